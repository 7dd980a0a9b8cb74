import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Annotation, AnnotationKind, FileDiff, Patch, Side } from '../types.js';
import type { BaseTree } from '../parser/base-tree.js';
import { applyHunks, parseHunkSide, parseWholeFile, sectionFunction } from '../parser/c/images.js';
import { parseC, type Tree } from '../parser/c/tree-sitter.js';

/**
 * Semgrep-style expectations written in the C of a fixture:
 *
 *     /* ruleid: FC001 *\/        the next code line must be reported by FC001
 *     /* ok: FC002 *\/            … must not be reported by FC002
 *     /* todoruleid: FC001 *\/    should be, is not yet: a known gap, never fails
 *     /* todook: FC002 *\/        should not be, still is: a known gap, never fails
 *
 * A comment after code on its line speaks about that line. Several rules
 * separate with commas; text after the ids is a free reason. Only real comment
 * nodes count: the same words in a string literal are not an annotation.
 */

const ANNOTATION = /^(todoruleid|todook|ruleid|ok):[ \t]*([A-Za-z][\w-]*(?:[ \t]*,[ \t]*[A-Za-z][\w-]*)*)(?:\s.*)?$/s;
const C_FILE = /\.(c|h|inc)$/;

/** A comment's words without its `/*`, `*\/`, `//` and the `*` that leads continuation lines. */
function commentWords(text: string): string {
  const inner = text.startsWith('//') ? text.slice(2) : text.replace(/^\/\*/, '').replace(/\*\/$/, '');
  return inner
    .split('\n')
    .map((l) => l.replace(/^\s*\*(?!\/)/, '').trim())
    .filter(Boolean)
    .join(' ');
}

interface Found {
  kind: AnnotationKind;
  rules: string[];
  /** 0-based rows of the parsed text. */
  commentRow: number;
  targetRow: number;
}

/** Annotations of one parsed text, by row. */
function annotationsIn(text: string, tree: Tree): Found[] {
  const comments = tree.rootNode.descendantsOfType('comment');
  if (comments.length === 0) return [];
  const lines = text.split('\n');
  // Each row with its comments blanked out: what is left is code.
  const code = [...lines];
  for (const c of comments) {
    for (let r = c.startPosition.row; r <= c.endPosition.row; r++) {
      const line = code[r] ?? '';
      const from = r === c.startPosition.row ? c.startPosition.column : 0;
      const to = r === c.endPosition.row ? c.endPosition.column : line.length;
      code[r] = line.slice(0, from) + ' '.repeat(Math.max(0, to - from)) + line.slice(to);
    }
  }
  const hasCode = (r: number): boolean => (code[r] ?? '').trim() !== '';
  const found: Found[] = [];
  for (const c of comments) {
    const m = ANNOTATION.exec(commentWords(c.text));
    if (!m) continue;
    const start = c.startPosition;
    const end = c.endPosition;
    let target: number | undefined;
    if ((code[start.row] ?? '').slice(0, start.column).trim() !== '') target = start.row;
    else if ((code[end.row] ?? '').slice(end.column).trim() !== '') target = end.row;
    else for (let r = end.row + 1; r < lines.length && target === undefined; r++) if (hasCode(r)) target = r;
    if (target === undefined) continue;
    found.push({ kind: m[1] as AnnotationKind, rules: m[2]!.split(',').map((s) => s.trim()), commentRow: start.row, targetRow: target });
  }
  return found;
}

function toAnnotations(found: Found[], file: string, lineOf: (row: number) => number | undefined, sides: Side[], patch?: number): Annotation[] {
  const out: Annotation[] = [];
  for (const f of found) {
    const line = lineOf(f.targetRow);
    const at = lineOf(f.commentRow);
    if (line === undefined) continue; // the line it names is outside what the patch shows
    for (const rule of f.rules) out.push({ kind: f.kind, rule, file, line, sides, ...(patch !== undefined ? { patch } : {}), at: `${file}:${at ?? line}` });
  }
  return out;
}

/** Annotations in one C text (a tree file), lines 1-based. */
export function annotationsOfText(file: string, text: string, sides: Side[]): Annotation[] {
  if (!/\b(todo)?(ruleid|ok):/.test(text)) return []; // cheap pre-filter; the comment nodes decide
  return toAnnotations(annotationsIn(text, parseC(text)), file, (r) => r + 1, sides);
}

/** The post-image of one file of a patch: whole when the tree is its base, else hunk by hunk. */
function postImageAnnotations(file: FileDiff, patch: number, base: BaseTree | undefined): { annotations: Annotation[]; whole: boolean } {
  const path = file.newPath!;
  const oldText = base && file.oldPath ? base.read(file.oldPath) : undefined;
  const newText = oldText !== undefined ? applyHunks(oldText, file.hunks) : undefined;
  if (newText !== undefined) {
    const image = parseWholeFile(path, newText, 'new', file);
    return { annotations: toAnnotations(annotationsIn(image.text, image.tree), path, (r) => r + 1, ['new'], patch), whole: true };
  }
  const annotations = file.hunks.flatMap((hunk, h) => {
    const image = parseHunkSide(path, hunk, h, 'new', sectionFunction(hunk.section));
    const lineOf = (r: number): number | undefined => {
      const row = image.rows[r];
      return row && row.change !== 'synthetic' && row.fileLine > 0 ? row.fileLine : undefined;
    };
    return toAnnotations(annotationsIn(image.text, image.tree), path, lineOf, ['new'], patch);
  });
  return { annotations, whole: false };
}

function treeFiles(root: string, dir = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, dir)).sort()) {
    if (name.startsWith('.')) continue;
    const rel = dir ? `${dir}/${name}` : name;
    const st = statSync(join(root, rel));
    if (st.isDirectory()) out.push(...treeFiles(root, rel));
    else if (st.isFile() && C_FILE.test(name)) out.push(rel);
  }
  return out;
}

/**
 * Every annotation of a case: in the post-image of each patch's C files, and
 * in the tree's files. A tree file a patch rewrites is read through that
 * patch's post-image; one it leaves alone has the same lines on both sides.
 */
export function caseAnnotations(patches: readonly Patch[], tree: ({ directory: string } & BaseTree) | undefined): Annotation[] {
  const out: Annotation[] = [];
  const rewritten = new Set<string>();
  const touched = new Set<string>();
  for (const patch of patches) {
    for (const file of patch.files) {
      if (file.oldPath) touched.add(file.oldPath);
      if (!file.newPath || !C_FILE.test(file.newPath) || file.hunks.length === 0) continue;
      const { annotations, whole } = postImageAnnotations(file, patch.meta.index, tree);
      out.push(...annotations);
      if (whole && file.oldPath) rewritten.add(file.oldPath);
    }
  }
  if (tree) {
    for (const rel of treeFiles(tree.directory)) {
      if (rewritten.has(rel)) continue;
      const text = tree.read(rel);
      // A tree the patch does not apply to cleanly: its lines are the old side's.
      if (text !== undefined) out.push(...annotationsOfText(rel, text, touched.has(rel) ? ['old'] : ['old', 'new']));
    }
  }
  return out;
}
