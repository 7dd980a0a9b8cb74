import type { FileDiff, Patch } from '../types.js';
import type { BaseTree } from '../parser/base-tree.js';
import { applyHunks, parseHunkSide, parseWholeFile, sectionFunction, sideText, type ParsedImage } from '../parser/c/images.js';
import { mayContainSite } from '../xen/flush-api.js';

const C_FILE = /\.(c|h|inc)$/;

/** A unit of parsing work: one side of one hunk, or one side of a whole file. */
interface Pending {
  key: string;
  text: string;
  parse: () => ParsedImage;
}

function pendingFor(file: FileDiff, base: BaseTree | undefined): Pending[] {
  if (file.status === 'binary' || file.status === 'mode-only' || file.hunks.length === 0) return [];
  const newPath = file.newPath ?? file.oldPath!;
  const oldPath = file.oldPath ?? newPath;
  if (!C_FILE.test(newPath)) return [];
  const oldText = base && file.oldPath ? base.read(oldPath) : undefined;
  const newText = oldText !== undefined ? applyHunks(oldText, file.hunks) : file.status === 'added' && base ? applyHunks('', file.hunks) : undefined;
  if (base && (oldText !== undefined || file.status === 'added') && newText !== undefined) {
    // The whole file decides: a hunk may call a helper the file defines elsewhere.
    const out: Pending[] = [{ key: `${newPath}:new`, text: newText, parse: () => parseWholeFile(newPath, newText, 'new', file) }];
    if (oldText !== undefined) out.push({ key: `${oldPath}:old`, text: oldText, parse: () => parseWholeFile(oldPath, oldText, 'old', file) });
    return out;
  }
  return file.hunks.flatMap((hunk, h) => {
    const fn = sectionFunction(hunk.section);
    return (['old', 'new'] as const).map((side) => ({
      key: `${newPath}:${h}:${side}`,
      text: sideText(hunk, side).text,
      parse: () => parseHunkSide(side === 'old' ? oldPath : newPath, hunk, h, side, fn),
    }));
  });
}

/**
 * Parses what may hold a site, growing the family as helpers appear:
 * `onImages` sees each new batch and returns the grown family, so a hunk that
 * only calls a helper defined in another file is parsed too.
 */
export function parsePatchImages(patch: Patch, base: BaseTree | undefined, family: Set<string>, onImages: (images: ParsedImage[]) => void): void {
  let pending = patch.files.flatMap((f) => pendingFor(f, base));
  for (;;) {
    const ready = pending.filter((p) => mayContainSite(p.text, family));
    if (ready.length === 0) return;
    pending = pending.filter((p) => !ready.includes(p));
    const before = family.size;
    onImages(ready.map((p) => p.parse()));
    if (family.size === before) return;
  }
}
