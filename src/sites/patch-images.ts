import type { FileDiff, Hunk, Patch, Side } from '../types.js';
import type { BaseTree } from '../parser/base-tree.js';
import { applyHunks, parseHunkSide, parseWholeFile, patchedFile, reversedEdits, sectionFunction, sideText, type ParsedImage } from '../parser/c/images.js';
import { mayContainSite } from '../xen/flush-api.js';

const C_FILE = /\.(c|h|inc)$/;

/**
 * A unit of parsing work: one side of one hunk, or one side of a whole file.
 * Small and lazy: a patch of 500k hunks holds one per hunk side until its text
 * can hold a site, so neither the text nor the hunk header's function is made
 * before then (the header is parsed by tree-sitter).
 */
interface Pending {
  text: () => string;
  parse: () => ParsedImage;
}

const sides: readonly Side[] = ['old', 'new'];

function hunkSides(hunk: Hunk, h: number, oldPath: string, newPath: string, out: Pending[]): void {
  // Both sides name the same function: the header is read once, by whichever is parsed first.
  let fn: { name: string | null } | undefined;
  const enclosing = (): string | null => {
    fn ??= { name: sectionFunction(hunk.section) };
    return fn.name;
  };
  for (const side of sides) {
    out.push({
      text: () => sideText(hunk, side).text,
      parse: () => parseHunkSide(side === 'old' ? oldPath : newPath, hunk, h, side, enclosing()),
    });
  }
}

function pendingFor(file: FileDiff, base: BaseTree | undefined, out: Pending[]): void {
  if (file.status === 'binary' || file.status === 'mode-only' || file.hunks.length === 0) return;
  const newPath = file.newPath ?? file.oldPath!;
  const oldPath = file.oldPath ?? newPath;
  if (!C_FILE.test(newPath)) return;
  const oldText = base && file.oldPath ? base.read(oldPath) : undefined;
  const patched = oldText !== undefined ? patchedFile(oldText, file.hunks) : undefined;
  const newText = patched ? patched.text : file.status === 'added' && base ? applyHunks('', file.hunks) : undefined;
  if (base && (oldText !== undefined || file.status === 'added') && newText !== undefined) {
    // The whole file decides: a hunk may call a helper the file defines elsewhere.
    // Whichever side is parsed second is parsed from the first (parseFile).
    const fromOld = patched && oldText !== undefined ? { text: oldText, edits: patched.edits } : undefined;
    const fromNew = patched && { text: patched.text, edits: reversedEdits(patched.edits) };
    out.push({ text: () => newText, parse: () => parseWholeFile(newPath, newText, 'new', file, fromOld) });
    if (oldText !== undefined) out.push({ text: () => oldText, parse: () => parseWholeFile(oldPath, oldText, 'old', file, fromNew) });
    return;
  }
  for (const [h, hunk] of file.hunks.entries()) hunkSides(hunk, h, oldPath, newPath, out);
}

/**
 * Parses what may hold a site, growing the family as helpers appear:
 * `onImages` sees each new batch and returns the grown family, so a hunk that
 * only calls a helper defined in another file is parsed too.
 *
 * A generator that yields after each parse: a caller that turns the event loop
 * there (reviewAsync) lets Node free the trees no one keeps (each hunk header's,
 * a fragment's losing wrappings), which it does only from the event loop; one
 * patch of thousands of hunks would otherwise hold them all to its end.
 */
export function* parsePatchImages(patch: Patch, base: BaseTree | undefined, family: Set<string>, onImages: (images: ParsedImage[]) => void): Generator<void, void> {
  let pending: Pending[] = [];
  for (const file of patch.files) pendingFor(file, base, pending);
  for (;;) {
    const ready: Pending[] = [];
    const rest: Pending[] = [];
    for (const p of pending) (mayContainSite(p.text(), family) ? ready : rest).push(p);
    if (ready.length === 0) return;
    pending = rest;
    const before = family.size;
    const images: ParsedImage[] = [];
    for (const p of ready) {
      images.push(p.parse());
      yield;
    }
    onImages(images);
    if (family.size === before) return;
  }
}
