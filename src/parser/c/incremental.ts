import type ParserType from 'tree-sitter';
import type { FlatTree, Reuse } from './flat-tree.js';

/**
 * Parsing one side of a patched file from the other side's tree: the two
 * differ only in the patch's hunks, and tree-sitter re-parses only what the
 * edits touch; the flat reading then copies every untouched subtree from the
 * other side's reading instead of asking the native tree node by node. On a
 * one-line change to Xen's largest file this is ~20 ms instead of 65-95 ms.
 *
 * Used only where it gives the tree a fresh parse gives (acceptedAsFresh):
 * with error recovery, an incremental parse can settle differently from a
 * fresh one, and a run's answer must not depend on which side came first.
 */

type Tree = ParserType.Tree;

/** One replaced range: `[oldStart, oldEnd)` of the earlier text is `[newStart, newEnd)` of the later. */
export interface TextEdit {
  oldStart: number;
  oldEnd: number;
  newStart: number;
  newEnd: number;
}

/** A text parsed before, and how the text now parsed differs from it. */
export interface OtherSide {
  text: string;
  edits: readonly TextEdit[];
}

/** Whether `edits` (sorted, apart) are the only differences between the texts. */
export function onlyDifferences(before: string, after: string, edits: readonly TextEdit[]): boolean {
  let oldAt = 0;
  let newAt = 0;
  for (const edit of edits) {
    if (edit.oldStart < oldAt || edit.newStart < newAt || edit.oldEnd < edit.oldStart || edit.newEnd < edit.newStart) return false;
    if (edit.oldStart - oldAt !== edit.newStart - newAt || !sameRun(before, oldAt, after, newAt, edit.oldStart - oldAt)) return false;
    oldAt = edit.oldEnd;
    newAt = edit.newEnd;
  }
  return before.length - oldAt === after.length - newAt && sameRun(before, oldAt, after, newAt, before.length - oldAt);
}

function sameRun(a: string, aAt: number, b: string, bAt: number, length: number): boolean {
  // Compared in slices: one substring of a large file would copy it whole.
  for (let done = 0; done < length; done += 65536) {
    const n = Math.min(65536, length - done);
    if (a.substring(aAt + done, aAt + done + n) !== b.substring(bAt + done, bAt + done + n)) return false;
  }
  return true;
}

/** Tells `tree` (a copy of the earlier text's) about the edits, last first, so each edit's place is still the earlier text's. */
export function editTree(tree: Tree, earlier: FlatTree, later: string, edits: readonly TextEdit[]): void {
  for (let e = edits.length - 1; e >= 0; e--) {
    const edit = edits[e]!;
    const inserted = later.substring(edit.newStart, edit.newEnd);
    const startPosition = { row: earlier.row(edit.oldStart), column: earlier.column(edit.oldStart) };
    const lastNewline = inserted.lastIndexOf('\n');
    let rows = 0;
    for (let at = inserted.indexOf('\n'); at >= 0; at = inserted.indexOf('\n', at + 1)) rows++;
    tree.edit({
      startIndex: edit.oldStart,
      oldEndIndex: edit.oldEnd,
      newEndIndex: edit.oldStart + inserted.length,
      startPosition,
      oldEndPosition: { row: earlier.row(edit.oldEnd), column: earlier.column(edit.oldEnd) },
      newEndPosition: lastNewline < 0 ? { row: startPosition.row, column: startPosition.column + inserted.length } : { row: startPosition.row + rows, column: inserted.length - lastNewline - 1 },
    });
  }
}

/** A range of the later text whose syntax may differ: an edit, or what tree-sitter says changed. */
export interface Dirty {
  start: number;
  end: number;
}

/** Touching counts: a node that ends where an insertion starts may have grown. */
const touches = (start: number, end: number, dirty: readonly Dirty[]): boolean => dirty.some((d) => d.start <= end && start <= d.end);

/** The earlier text's offset of a later offset that no edit covers. */
function earlierOffset(offset: number, edits: readonly TextEdit[]): number {
  let shift = 0;
  for (const edit of edits) {
    if (edit.newEnd > offset) break;
    shift += edit.newEnd - edit.newStart - (edit.oldEnd - edit.oldStart);
  }
  return offset - shift;
}

/** The first node of `flat` with this range, type and field; -1 when none. */
function nodeAt(flat: FlatTree, start: number, end: number, type: number, field?: number): number {
  let lo = 0;
  let hi = flat.size;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (flat.start(mid) < start) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < flat.size && flat.start(i) === start; i++) if (flat.end(i) === end && flat.typeId(i) === type && (field === undefined || flat.fieldId(i) === field)) return i;
  return -1;
}

/** For FlatTree.read of the later tree: a node no dirty range touches is the earlier reading's node at the same place. */
export function reuseFrom(earlier: FlatTree, edits: readonly TextEdit[], dirty: readonly Dirty[]): Reuse {
  return (start, end, type, field) => {
    if (start >= end || touches(start, end, dirty)) return undefined;
    const index = nodeAt(earlier, earlierOffset(start, edits), earlierOffset(end, edits), type, field);
    return index < 0 ? undefined : { flat: earlier, index };
  };
}

/**
 * Whether the later tree is the one a fresh parse gives, as far as Xen's
 * tree shows: every dirty range lies strictly inside a function definition
 * that has no ERROR or missing node, and the earlier tree has that same
 * definition, error-free, at the same place. Measured on Xen 4.17's xen/
 * (~9,000 random line edits, each parsed both ways): every tree this accepts
 * is the fresh parse's, node for node; without the error-free condition,
 * about one edit in a hundred settles differently inside the definition.
 */
export function acceptedAsFresh(later: FlatTree, earlier: FlatTree, edits: readonly TextEdit[], dirty: readonly Dirty[]): boolean {
  for (const d of dirty) {
    let unit = innermostAround(later, d.start, d.end);
    while (unit > 0 && later.type(unit) !== 'function_definition') unit = later.parent(unit);
    if (unit <= 0 || !(later.start(unit) < d.start && d.end < later.end(unit)) || !errorFree(later, unit)) return false;
    const before = nodeAt(earlier, earlierOffset(later.start(unit), edits), earlierOffset(later.end(unit), edits), later.typeId(unit));
    if (before < 0 || !errorFree(earlier, before)) return false;
  }
  return true;
}

/** The deepest node whose range holds `[start, end]`. */
function innermostAround(flat: FlatTree, start: number, end: number): number {
  let at = 0;
  for (;;) {
    let next = -1;
    for (const c of flat.children(at)) {
      if (flat.start(c) <= start && end <= flat.end(c)) {
        next = c;
        break;
      }
    }
    if (next < 0) return at;
    at = next;
  }
}

/** No ERROR node and no zero-width node (tree-sitter's missing tokens) in the subtree. */
function errorFree(flat: FlatTree, i: number): boolean {
  for (let j = i, stop = flat.subtreeEnd(i); j < stop; j++) if (flat.start(j) === flat.end(j) || flat.type(j) === 'ERROR') return false;
  return true;
}
