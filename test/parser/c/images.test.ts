import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import Parser from 'tree-sitter';
import { describe, expect, it, vi } from 'vitest';
import type { Hunk } from '../../../src/types.js';
import { parseHunkSide } from '../../../src/parser/c/images.js';
import { collect } from '../../../src/sites/collect.js';
import { builtinFamily, collectAll, sitesOf } from '../../../src/sites/find-sites.js';

function hunkOf(section: string, lines: string[]): Hunk {
  return {
    oldStart: 20,
    oldLines: lines.length,
    newStart: 20,
    newLines: lines.length,
    section,
    inputLine: 1,
    lines: lines.map((text, i) => ({ change: 'unchanged', oldLine: 20 + i, newLine: 20 + i, text })),
  };
}

describe('hunk fragments', () => {
  it('puts a hunk that starts at the body brace inside the function its header names', () => {
    // `{` at column 0 parses as a stray block at file scope just as cleanly;
    // only the header says it opens static void f().
    const hunk = hunkOf('static void gnttab_flush(struct domain *ld,', ['{', '    unsigned int i;', '', '    flush_tlb_mask(ld->dirty_cpumask);']);
    const image = parseHunkSide('xen/common/grant_table.c', hunk, 0, 'new', 'gnttab_flush');
    const calls = collect(image).calls.filter((c) => c.name === 'flush_tlb_mask');
    expect(calls.map((c) => c.enclosing)).toEqual(['gnttab_flush']);
  });

  it('leaves file-scope code at file scope', () => {
    const hunk = hunkOf('void flush_area_mask(const cpumask_t *mask, const void *va,', ['#define flush_tlb_mask(mask) \\', '    flush_mask(mask, FLUSH_TLB)', '']);
    const image = parseHunkSide('xen/arch/x86/include/asm/flushtlb.h', hunk, 0, 'new', 'flush_area_mask');
    expect(collect(image).definitions.map((d) => [d.name, d.form])).toEqual([['flush_tlb_mask', 'function-macro']]);
  });
});

describe('a hunk side holds its tree weakly', () => {
  it('parses the text again once Node has freed the tree, and the records name the same nodes', async () => {
    // gc() at run time (the test runner is not started with --expose-gc).
    v8.setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const hunk = hunkOf('static void flush_fn(struct domain *d)', ['    spin_lock(&d->lock);', '    if ( need_flush )', '        flush_tlb_mask(d->dirty_cpumask);', '    spin_unlock(&d->lock);']);
    const image = parseHunkSide('xen/arch/x86/flush.c', hunk, 0, 'new', 'flush_fn');
    const calls = collect(image).calls;
    const shape = (): string[] => calls.map((c) => `${c.node.type}@${c.node.startIndex}-${c.node.endIndex}:${c.node.text}:${c.node.parent?.type}`);
    const before = { tree: image.tree.rootNode.toString(), calls: shape() };
    const first = new WeakRef(image.tree);
    // A WeakRef's target lives to the end of the job that read it.
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    expect(first.deref()).toBeUndefined();
    expect(image.tree.rootNode.toString()).toBe(before.tree);
    expect(shape()).toEqual(before.calls);
  });

  it('finds the sites of a side whose tree is gone from its flat reading: nothing is parsed again', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const hunk = hunkOf('static void flush_fn(struct domain *d)', ['    spin_lock(&d->lock);', '    if ( need_flush )', '        flush_tlb_mask(d->dirty_cpumask);', '    spin_unlock(&d->lock);']);
    const image = parseHunkSide('xen/arch/x86/flush.c', hunk, 0, 'new', 'flush_fn');
    const whileHeld = sitesOf(0, collectAll([image]), builtinFamily());
    const first = new WeakRef(image.tree);
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    expect(first.deref()).toBeUndefined();
    const parse = vi.spyOn(Parser.prototype, 'parse');
    try {
      const sites = sitesOf(0, collectAll([image]), builtinFamily());
      expect(parse).not.toHaveBeenCalled();
      expect(sites).toEqual(whileHeld);
      expect(sites.map((s) => `${s.line}:${s.column} ${s.api} ${s.text}`)).toContain('22:9 flush_tlb_mask flush_tlb_mask(d->dirty_cpumask)');
    } finally {
      parse.mockRestore();
    }
  });
});
