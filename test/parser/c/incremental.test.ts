import fc from 'fast-check';
import Parser from 'tree-sitter';
import C from 'tree-sitter-c';
import { describe, expect, it } from 'vitest';
import type { Hunk, HunkLine } from '../../../src/types.js';
import { FlatTree } from '../../../src/parser/c/flat-tree.js';
import { applyHunks, patchedFile, reversedEdits } from '../../../src/parser/c/images.js';
import { editTree, onlyDifferences, reuseFrom } from '../../../src/parser/c/incremental.js';
import { flatOf, MAX_SYNTAX_DEPTH, parseC, parseFile, parseFromOtherSide, type TextEdit, TooDeepError } from '../../../src/parser/c/tree-sitter.js';

/** Every node of a flat reading: what a walk can see. */
function nodesOf(flat: FlatTree): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < flat.size; i++) out.push([flat.typeId(i), flat.fieldId(i), flat.start(i), flat.end(i), flat.parent(i), flat.subtreeEnd(i)]);
  return out;
}

/** A hunk per change, with up to `context` lines of context each side, the way diff writes them. */
function hunksFor(old: string[], changes: { at: number; remove: number; add: string[] }[], context: number): Hunk[] {
  const hunks: Hunk[] = [];
  let shift = 0;
  for (const { at, remove, add } of changes) {
    const from = Math.max(0, at - context);
    const to = Math.min(old.length, at + remove + context);
    const lines: HunkLine[] = [];
    let newLine = from + 1 + shift;
    for (let i = from; i < at; i++) lines.push({ change: 'unchanged', oldLine: i + 1, newLine: newLine++, text: old[i]! });
    for (let i = at; i < at + remove; i++) lines.push({ change: 'removed', oldLine: i + 1, text: old[i]! });
    for (const text of add) lines.push({ change: 'added', newLine: newLine++, text });
    for (let i = at + remove; i < to; i++) lines.push({ change: 'unchanged', oldLine: i + 1, newLine: newLine++, text: old[i]! });
    const oldLines = to - from;
    const newLines = oldLines - remove + add.length;
    hunks.push({ oldStart: oldLines === 0 ? from : from + 1, oldLines, newStart: from + 1 + shift, newLines, section: '', inputLine: 1, lines });
    shift += add.length - remove;
  }
  return hunks;
}

describe("a patched file's edits", () => {
  it('are exactly what differs between its sides, at the start, the middle and the end, with or without a last newline', () => {
    const line = fc.constantFrom('int a;', '', '}', '{', '    x = 1;', 'b');
    fc.assert(
      fc.property(
        fc.array(line, { minLength: 1, maxLength: 30 }),
        fc.array(fc.tuple(fc.nat(), fc.nat(3), fc.array(line, { maxLength: 3 })), { minLength: 1, maxLength: 4 }),
        fc.nat(3),
        (old, picks, context) => {
          // Apart changes, in order; each changes something.
          const changes: { at: number; remove: number; add: string[] }[] = [];
          let next = 0;
          for (const [at, remove, add] of picks) {
            const start = next + (at % (old.length + 1));
            if (start > old.length) break;
            const removed = Math.min(remove, old.length - start);
            if (removed === 0 && add.length === 0) continue;
            changes.push({ at: start, remove: removed, add });
            next = start + removed + 2 * context + 1;
          }
          if (changes.length === 0) return;
          const text = old.join('\n');
          const hunks = hunksFor(old, changes, context);
          const patched = patchedFile(text, hunks);
          expect(patched?.text).toBe(applyHunks(text, hunks));
          expect(onlyDifferences(text, patched!.text, patched!.edits)).toBe(true);
          expect(onlyDifferences(patched!.text, text, reversedEdits(patched!.edits))).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('are refused when they are not all that differs', () => {
    const edits: TextEdit[] = [{ oldStart: 4, oldEnd: 5, newStart: 4, newEnd: 6 }];
    expect(onlyDifferences('int a;', 'int bb;', edits)).toBe(true);
    expect(onlyDifferences('int a; x', 'int bb; y', edits)).toBe(false);
    expect(onlyDifferences('int a;', 'int bb', edits)).toBe(false);
  });
});

const FUNCTIONS = Array.from(
  { length: 30 },
  (_, i) => `static void flush_${i}(struct domain *d)
{
    unsigned int cpu = ${i};

    if ( d->dirty_cpumask && cpu > 1 )
        flush_tlb_mask(d->dirty_cpumask);
    else
        cpu = cpu * 2;
}
`,
).join('\n');

/** A line of this text replaced (or, with `by` undefined, removed): its edit, and the new text. */
function replaceLine(text: string, row: number, by: string | undefined): { text: string; edits: TextEdit[] } {
  const lines = text.split('\n');
  const start = lines.slice(0, row).reduce((n, l) => n + l.length + 1, 0);
  const old = lines[row]!;
  if (by === undefined) return { text: [...lines.slice(0, row), ...lines.slice(row + 1)].join('\n'), edits: [{ oldStart: start, oldEnd: start + old.length + 1, newStart: start, newEnd: start }] };
  lines[row] = by;
  return { text: lines.join('\n'), edits: [{ oldStart: start, oldEnd: start + old.length, newStart: start, newEnd: start + by.length }] };
}

describe('one side of a file parsed from the other', () => {
  const base = FUNCTIONS;
  const rowOf = (needle: string, nth = 0): number => base.split('\n').findIndex((l, i, all) => l.includes(needle) && all.slice(0, i).filter((x) => x.includes(needle)).length === nth);

  it('is the fresh parse, node for node, when a change stays inside a clean function', () => {
    for (const [row, by] of [
      [rowOf('flush_tlb_mask', 3), '        flush_tlb_mask(d->dirty_cpumask); /* once */'],
      [rowOf('cpu = cpu * 2', 10), '        cpu = cpu * 3 + d->id;'],
      [rowOf('unsigned int cpu', 29), undefined],
    ] as [number, string | undefined][]) {
      const edited = replaceLine(base, row, by);
      const tree = parseFromOtherSide(edited.text, parseC(base), edited.edits);
      expect(tree, `row ${row}`).toBeDefined();
      expect(nodesOf(flatOf(tree!))).toEqual(nodesOf(flatOf(parseC(edited.text))));
      // And back: the old side from the new.
      const back = parseFromOtherSide(base, parseC(edited.text), reversedEdits(edited.edits));
      expect(nodesOf(flatOf(back!))).toEqual(nodesOf(flatOf(parseC(base))));
    }
  });

  it('is left to a fresh parse where error recovery could settle another way', () => {
    // The change breaks the function: its tree holds an ERROR node.
    const broken = replaceLine(base, rowOf('flush_tlb_mask', 2), '        flush_tlb_mask(d->dirty_cpumask;');
    expect(parseFromOtherSide(broken.text, parseC(base), broken.edits)).toBeUndefined();
    // Between functions: not inside any definition.
    const between = replaceLine(base, rowOf('static void flush_5') - 1, 'int added_between;');
    expect(parseFromOtherSide(between.text, parseC(base), between.edits)).toBeUndefined();
    // Edits that are not all that differs are not used at all.
    const wrong = replaceLine(base, rowOf('cpu = cpu * 2', 4), '        cpu = 0;');
    expect(parseFromOtherSide(`${wrong.text} `, parseC(base), wrong.edits)).toBeUndefined();
  });

  it('through parseFile: the second side of a patched file is parsed from the first, with the fresh parse as its answer', () => {
    const lines = base.split('\n');
    const at = rowOf('cpu = cpu * 2', 7);
    const hunks = hunksFor(lines, [{ at, remove: 1, add: ['        cpu = cpu * 4;', '        cpu += 1;'] }], 3);
    const patched = patchedFile(base, hunks)!;
    const old = parseFile(base);
    // A change parseFromOtherSide takes (it is asked alone here: parseFile falls back without a word).
    expect(parseFromOtherSide(patched.text, old, patched.edits)).toBeDefined();
    const made = parseFile(patched.text, { text: base, edits: patched.edits });
    expect(made).not.toBe(old);
    expect(nodesOf(flatOf(made))).toEqual(nodesOf(flatOf(parseC(patched.text))));
    // Remembered as any parse is.
    expect(parseFile(patched.text)).toBe(made);
  });

  it('refuses a too-deep side as a fresh parse does, where the depth comes from a copied subtree', () => {
    const fileWith = (depth: number, wrapped: boolean): string[] => {
      const statement = `    x = ${'('.repeat(depth)}1${')'.repeat(depth)};`;
      return ['static int x;', '', 'static void deep(void)', '{', ...(wrapped ? ['    if ( x ) {', statement, '    }'] : [statement]), '}', '', `/*${' '.repeat(5000)}*/`];
    };
    // The deepest statement the bound allows: wrapped in a block, its copy is too deep.
    let depth = 200;
    while (!tooDeep(fileWith(depth + 1, false).join('\n'))) depth++;
    const old = fileWith(depth, false);
    const hunks = hunksFor(old, [{ at: 4, remove: 1, add: fileWith(depth, true).slice(4, 7) }], 2);
    const patched = patchedFile(old.join('\n'), hunks)!;
    expect(patched.text).toBe(fileWith(depth, true).join('\n'));
    parseFile(old.join('\n'));
    const fresh = caught(() => parseC(patched.text));
    expect(fresh).toBeInstanceOf(TooDeepError);
    expect(caught(() => parseFile(patched.text, { text: old.join('\n'), edits: patched.edits }))).toEqual(fresh);
  });
});

const caught = (run: () => unknown): unknown => {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
};

const tooDeep = (text: string): boolean => caught(() => parseC(text)) instanceof TooDeepError;

describe('a flat reading that copies the subtrees an edit left alone', () => {
  const parser = new Parser();
  parser.setLanguage(C as Parser.Language);
  const remake = (_: FlatTree, source: string) => parser.parse(source);

  /** The later text read with copies from the earlier reading (the edits alone dirty), and read node by node. */
  function bothReadings(before: string, after: string, edits: TextEdit[]) {
    const earlierTree = parser.parse(before);
    const earlier = FlatTree.read(earlierTree, before, remake) as FlatTree;
    const copy = parser.parse(before, earlierTree);
    editTree(copy, earlier, after, edits);
    const tree = parser.parse(after, copy);
    const dirty = edits.map((e) => ({ start: e.newStart, end: e.newEnd }));
    let copied = 0;
    const reuse = reuseFrom(earlier, edits, dirty);
    const counting: typeof reuse = (...node) => {
      const same = reuse(...node);
      if (same) copied++;
      return same;
    };
    return { copied: () => copied, withCopies: FlatTree.read(tree, after, remake, MAX_SYNTAX_DEPTH, counting), byNode: FlatTree.read(parser.parse(after), after, remake, MAX_SYNTAX_DEPTH) };
  }

  it('gives the nodes a node-by-node reading gives', () => {
    const before = FUNCTIONS;
    const edited = replaceLine(
      before,
      before.split('\n').findIndex((l) => l.includes('unsigned int cpu = 4;')),
      '    unsigned int cpu = 40, more = 1;',
    );
    const { copied, withCopies, byNode } = bothReadings(before, edited.text, edited.edits);
    expect(copied()).toBeGreaterThan(20);
    expect(nodesOf(withCopies as FlatTree)).toEqual(nodesOf(byNode as FlatTree));
  });

  it('refuses at the row a node-by-node reading refuses, when a copied subtree is what sits too deep', () => {
    const statement = (depth: number): string => `    x = ${'('.repeat(depth)}1${')'.repeat(depth)};`;
    // The deepest statement the bound allows, then wrapped in a block.
    let depth = 200;
    while (!(FlatTree.read(parser.parse(`void f(void)\n{\n${statement(depth + 1)}\n}\n`), '', remake, MAX_SYNTAX_DEPTH) instanceof FlatTree) === false) depth++;
    const before = `void f(void)\n{\n${statement(depth)}\n}\n`;
    const opening = '    if ( x ) {\n';
    const at = before.indexOf('    x =');
    const after = `${before.slice(0, at)}${opening}${statement(depth)}\n    }\n}\n`;
    const closeAt = at + opening.length + statement(depth).length + 1;
    const edits: TextEdit[] = [
      { oldStart: at, oldEnd: at, newStart: at, newEnd: at + opening.length },
      { oldStart: at + statement(depth).length + 1, oldEnd: at + statement(depth).length + 1, newStart: closeAt, newEnd: closeAt + '    }\n'.length },
    ];
    expect(onlyDifferences(before, after, edits)).toBe(true);
    const { copied, withCopies, byNode } = bothReadings(before, after, edits);
    expect(copied()).toBeGreaterThan(0);
    expect(byNode).toEqual({ tooDeepAt: 3 });
    expect(withCopies).toEqual(byNode);
  });
});
