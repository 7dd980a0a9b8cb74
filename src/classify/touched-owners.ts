import type { BaseTreeReader, FileFacts, ParsedImage, Patch, Site } from '../types.js';
import { applyHunks, parseWholeFile } from '../parser/c/images.js';
import { normalizeSpace } from '../parser/c/tree-sitter.js';
import { guardsOf } from '../sites/collect.js';
import { siteId } from '../sites/find-sites.js';
import { DEFERRALS, MAY_DEFER } from '../xen/deferrals.js';
import { C_FILE } from './tree-index.js';

/**
 * A patch that adds an early return to a `MEMF_no_tlbflush` owner changes
 * whether the owner pays its debt on every path, even when no hunk touches
 * the allocation. With whole files in view (--tree, --git), each setter of
 * such an owner becomes a site of its own with change `tree` (a site the
 * patch does not touch whose meaning it changes), so its obligation is
 * checked against the patched control flow.
 */

const NO_TLBFLUSH = 'MEMF_no_tlbflush';
/** What makes a file worth reading whole: an owner, or a statement that opens another deferral (src/xen/deferrals.ts). */
const mayOwe = (text: string): boolean => text.includes(NO_TLBFLUSH) || MAY_DEFER.test(text);

/** Whether the patch changed lines `first..last` of this image's side (or removed lines there). */
function touched(image: ParsedImage, first: number, last: number): boolean {
  return image.rows.some((row) => row.fileLine >= first && row.fileLine <= last && (row.change === 'added' || row.change === 'removed'));
}

/**
 * The new side of files the patch changes that hold `MEMF_no_tlbflush` but
 * were not parsed for sites (no hunk names a flush): read from the base tree.
 */
function ownerImages(patch: Patch, base: BaseTreeReader | undefined, parsed: readonly ParsedImage[]): ParsedImage[] {
  if (!base) return [];
  const seen = new Set(parsed.filter((i) => i.wholeFile && i.side === 'new').map((i) => i.file));
  const out: ParsedImage[] = [];
  for (const file of patch.files) {
    const oldPath = file.oldPath;
    const newPath = file.newPath;
    if (!oldPath || !newPath || seen.has(newPath) || file.hunks.length === 0 || !C_FILE.test(newPath)) continue;
    const oldText = base.read(oldPath);
    if (!oldText || !mayOwe(oldText)) continue;
    const newText = applyHunks(oldText, file.hunks);
    if (newText !== undefined) out.push(parseWholeFile(newPath, newText, 'new', file));
  }
  return out;
}

export function touchedOwnerSites(
  patch: Patch,
  base: BaseTreeReader | undefined,
  parsed: readonly ParsedImage[],
  factsOf: (image: ParsedImage) => FileFacts,
  existing: readonly Site[],
): { sites: Site[]; images: ParsedImage[] } {
  const known = new Set(existing.map((s) => `${s.file}:${s.side}:${s.line}:${s.api}`));
  const extra = ownerImages(patch, base, parsed);
  const out: Site[] = [];
  const index = patch.meta.index;
  for (const image of [...parsed, ...extra]) {
    if (!image.wholeFile) continue;
    for (const fn of factsOf(image).functions) {
      if (!fn.flow || !touched(image, fn.line, fn.endLine)) continue;
      // MEMF_no_tlbflush setters, and the statements that open another deferral (FC011).
      const opened = fn.flow.nodes.flatMap((n) => (n.opensDeferral ?? []).map((id) => ({ line: n.line, api: DEFERRALS.find((d) => d.id === id)!.marker })));
      for (const { line, api } of [...fn.noTlbflushSets.map((s) => ({ line: s.line, api: NO_TLBFLUSH })), ...opened]) {
        if (known.has(`${image.file}:${image.side}:${line}:${api}`)) continue;
        const row = image.rows.findIndex((r) => r.fileLine === line);
        const lineText = image.text.split('\n', row + 1)[row] ?? '';
        const column = lineText.indexOf(api);
        if (row < 0 || column < 0) continue;
        const node = image.tree.rootNode.descendantForPosition({ row, column });
        known.add(`${image.file}:${image.side}:${line}:${api}`);
        out.push({
          id: siteId({ patch: index, file: image.file, side: image.side, line, column: column + 1, api }),
          patch: index,
          file: image.file,
          line,
          column: column + 1,
          side: image.side,
          change: 'tree',
          function: fn.name,
          api,
          kind: 'flag-use',
          text: normalizeSpace(lineText),
          guards: guardsOf(node),
        });
      }
    }
  }
  return { sites: out, images: extra };
}
