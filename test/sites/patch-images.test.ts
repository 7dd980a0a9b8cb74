import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type ParserType from 'tree-sitter';
import { readPatches } from '../../src/parser/read-input.js';
import { builtinFamily } from '../../src/sites/find-sites.js';
import { parsePatchImages } from '../../src/sites/patch-images.js';
import type { ParsedImage, Patch } from '../../src/types.js';

const Parser = createRequire(import.meta.url)('tree-sitter') as typeof ParserType;

function patchOf(hunks: string[]): Patch {
  const text = ['diff --git a/xen/common/x.c b/xen/common/x.c', '--- a/xen/common/x.c', '+++ b/xen/common/x.c', ...hunks, ''].join('\n');
  const read = readPatches('x.diff', text, 0);
  if (!read.ok) throw new Error(read.error.message);
  return read.value.patches[0]!;
}

const trivial = (i: number): string => `@@ -${i * 10 + 1},1 +${i * 10 + 1},1 @@ static int trivial_fn(void)\n-    value_${i} = old_value;\n+    value_${i} = new_value;`;
const flush = (i: number): string =>
  `@@ -${i * 10 + 1},1 +${i * 10 + 1},1 @@ static void flush_fn_${i}(struct domain *d)\n-    flush_tlb_mask(d->dirty_cpumask);\n+    flush_mask(d->dirty_cpumask, FLUSH_TLB);`;

const drain = (steps: Generator<void, void>): void => {
  for (const _ of steps);
};

describe('parsePatchImages', () => {
  afterEach(() => vi.restoreAllMocks());

  it('parses nothing for hunks whose text cannot hold a site: not even their header', () => {
    const parse = vi.spyOn(Parser.prototype, 'parse');
    const batches: ParsedImage[][] = [];
    drain(parsePatchImages(patchOf(Array.from({ length: 50 }, (_, i) => trivial(i))), undefined, builtinFamily(), (images) => batches.push(images)));
    expect(batches).toEqual([]);
    expect(parse).not.toHaveBeenCalled();
  });

  it('parses both sides of each hunk that may hold a site, in file and hunk order, and its header once', () => {
    const parse = vi.spyOn(Parser.prototype, 'parse');
    const batches: ParsedImage[][] = [];
    drain(parsePatchImages(patchOf([trivial(0), flush(1), trivial(2), flush(3)]), undefined, builtinFamily(), (images) => batches.push(images)));
    expect(batches.map((b) => b.map((i) => `${i.side}:${i.rows.find((r) => r.change !== 'synthetic')?.fileLine}:${i.enclosingFunction}`))).toEqual([
      ['old:11:flush_fn_1', 'new:11:flush_fn_1', 'old:31:flush_fn_3', 'new:31:flush_fn_3'],
    ]);
    // Two sides and one hunk header per flush hunk.
    expect(parse).toHaveBeenCalledTimes(6);
  });
});
