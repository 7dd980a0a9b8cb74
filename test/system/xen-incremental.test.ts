import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FlatTree } from '../../src/parser/c/flat-tree.js';
import { flatOf, parseC, parseFromOtherSide, type TextEdit, TooDeepError } from '../../src/parser/c/tree-sitter.js';
import { listCFiles } from '../../src/parser/tree-corpus.js';
import { xenTree } from '../helpers/xen.js';

const nodesOf = (flat: FlatTree): string => {
  const out: number[] = [];
  for (let i = 0; i < flat.size; i++) out.push(flat.typeId(i), flat.fieldId(i), flat.start(i), flat.end(i), flat.parent(i), flat.subtreeEnd(i));
  return out.join(',');
};

/** A small deterministic generator: the same edits on every run. */
function numbers(seed: number): (n: number) => number {
  let state = seed;
  return (n) => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state % n;
  };
}

/** One line edited: a comment appended, the line removed, or the line doubled. */
function lineEdit(text: string, pick: (n: number) => number): { text: string; edits: TextEdit[] } {
  const lines = text.split('\n');
  const row = pick(lines.length);
  const start = lines.slice(0, row).reduce((n, l) => n + l.length + 1, 0);
  const line = lines[row]!;
  const [at, removed, inserted] = [
    [start + line.length, 0, ' /* edited */'],
    [start, Math.min(line.length + 1, text.length - start), ''],
    [start, 0, `${line}\n`],
  ][pick(3)] as [number, number, string];
  return { text: text.slice(0, at) + inserted + text.slice(at + removed), edits: [{ oldStart: at, oldEnd: at + removed, newStart: at, newEnd: at + inserted.length }] };
}

// The other side of a patched file is parsed from the first (src/parser/c/incremental.ts) only
// where that gives the tree a fresh parse gives: checked here on real files, most of which hold
// ERROR nodes somewhere (Xen's macros), with edits anywhere in them.
describe('a side of a real Xen 4.17 file parsed from the other side', () => {
  it('is, whenever it is taken, the fresh parse node for node', () => {
    const root = join(xenTree(), 'xen');
    const pick = numbers(2026);
    let taken = 0;
    let trials = 0;
    for (const [i, path] of listCFiles(root).entries()) {
      if (i % 2 !== 0) continue;
      const text = readFileSync(join(root, path), 'utf8').replace(/\r\n?/g, '\n');
      if (text.length < 4096) continue;
      let donor: ReturnType<typeof parseC>;
      try {
        donor = parseC(text);
      } catch (error) {
        if (error instanceof TooDeepError) continue;
        throw error;
      }
      for (let k = 0; k < 3; k++) {
        const edited = lineEdit(text, pick);
        let fresh: string;
        try {
          fresh = nodesOf(flatOf(parseC(edited.text)));
        } catch (error) {
          if (error instanceof TooDeepError) continue;
          throw error;
        }
        trials++;
        const tree = parseFromOtherSide(edited.text, donor, edited.edits);
        if (!tree) continue;
        taken++;
        expect(nodesOf(flatOf(tree)), `${path}: ${JSON.stringify(edited.edits)}`).toBe(fresh);
      }
    }
    // Edits land anywhere (comments, declarations, broken functions): about a third are inside a clean function.
    expect(trials).toBeGreaterThan(800);
    expect(taken).toBeGreaterThan(trials / 5);
  }, 300_000);
});
