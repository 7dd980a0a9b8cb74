import { describe, expect, it } from 'vitest';
import type { Obligation, Site } from '../../src/types.js';
import { CallGraph } from '../../src/classify/call-graph.js';
import { obligationFor } from '../../src/classify/obligations.js';
import { summarizeImage } from '../../src/classify/summarize.js';
import { treeImage } from '../../src/classify/tree-index.js';
import { builtinFamily } from '../../src/sites/find-sites.js';

/** The obligation of the first MEMF_no_tlbflush setter in `body`, wrapped in a Xen-style function. */
function obligation(body: string): Obligation | undefined {
  const text = `int owner(struct domain *d, unsigned int n)\n{\n    struct page_info *pg;\n    bool need_tlbflush = false;\n    uint32_t stamp = 0;\n${body}\n}\n`;
  const facts = summarizeImage(treeImage('owner.c', text));
  const graph = new CallGraph('new', [facts], builtinFamily());
  const line = text.split('\n').findIndex((l) => l.includes('MEMF_no_tlbflush')) + 1;
  const site: Site = { id: 's', patch: 0, file: 'owner.c', line, column: 1, side: 'new', change: 'unchanged', function: 'owner', api: 'MEMF_no_tlbflush', kind: 'flag-use', text: '', guards: [] };
  return obligationFor(site, graph);
}

const ALLOC = '    pg = alloc_domheap_pages(d, 0, MEMF_no_tlbflush);\n    accumulate_tlbflush(&need_tlbflush, pg, &stamp);';
const FLUSH = '    if ( need_tlbflush )\n        filtered_flush_tlb_mask(stamp);';

const missingExit = (o: Obligation | undefined): string | undefined => o?.missingPath?.[o.missingPath.length - 1]?.message;

describe('control-flow graph: every path from the allocation to the exit', () => {
  it('straight line through the flush: nothing missing', () => {
    const o = obligation(`${ALLOC}\n${FLUSH}\n    return 0;`);
    expect(o?.owner).toBe('owner');
    expect(o?.missingPath).toBeUndefined();
    expect(o?.flushedAt.map((l) => l.line)).toEqual([8]);
  });

  it('an early return between the bookkeeping and the flush', () => {
    const o = obligation(`${ALLOC}\n    if ( !n )\n        return -EINVAL;\n${FLUSH}\n    return 0;`);
    expect(missingExit(o)).toBe('returns without flushing: return -EINVAL;');
    expect(o?.missingPath?.map((s) => s.line)).toEqual([6, 7, 8, 9]);
    expect(o?.missingPath?.[2]?.message).toBe('if ( !n ) → true');
  });

  it('falling off the end with no flush at all', () => {
    const o = obligation(`${ALLOC}\n    n++;`);
    expect(missingExit(o)).toBe('leaves owner without flushing');
    expect(o?.flushedAt).toEqual([]);
  });

  it('if/else: only the branch without the flush is reported', () => {
    const o = obligation(`${ALLOC}\n    if ( n )\n        filtered_flush_tlb_mask(stamp);\n    else\n        n = 1;\n    return n;`);
    expect(o?.missingPath?.some((s) => s.message === 'if ( n ) → false')).toBe(true);
  });

  it('goto out: every error path reaches the label and its flush', () => {
    const o = obligation(
      `    for ( ; n; n-- )\n    {\n        pg = alloc_domheap_pages(d, 0, MEMF_no_tlbflush);\n        if ( !pg )\n            goto out;\n        accumulate_tlbflush(&need_tlbflush, pg, &stamp);\n        if ( n == 7 )\n            goto out;\n    }\n out:\n${FLUSH}\n    return 0;`,
    );
    expect(o?.missingPath).toBeUndefined();
  });

  it('a goto that jumps past the flush', () => {
    const o = obligation(`${ALLOC}\n    if ( n )\n        goto fail;\n${FLUSH}\n    return 0;\n fail:\n    return -EIO;`);
    expect(o?.missingPath?.map((s) => s.message)).toContain('goto fail;');
    expect(missingExit(o)).toBe('returns without flushing: return -EIO;');
  });

  it('while with break and continue', () => {
    const o = obligation(
      `    while ( n-- )\n    {\n        pg = alloc_domheap_pages(d, 0, MEMF_no_tlbflush);\n        if ( !pg )\n            continue;\n        accumulate_tlbflush(&need_tlbflush, pg, &stamp);\n        if ( n == 3 )\n            break;\n    }\n${FLUSH}\n    return 0;`,
    );
    expect(o?.missingPath).toBeUndefined();
  });

  it('a loop whose second turn fails after the first accumulated', () => {
    const o = obligation(
      `    do {\n        pg = alloc_domheap_pages(d, 0, MEMF_no_tlbflush);\n        if ( !pg )\n            return -ENOMEM;\n        accumulate_tlbflush(&need_tlbflush, pg, &stamp);\n    } while ( --n );\n${FLUSH}\n    return 0;`,
    );
    expect(missingExit(o)).toBe('returns without flushing: return -ENOMEM;');
    expect(o?.missingPath?.map((s) => s.message)).toContain('while ( --n ) → true');
  });

  it('switch: fall-through reaches the flush, a returning case does not', () => {
    const o = obligation(`${ALLOC}\n    switch ( n )\n    {\n    case 0:\n        n = 2;\n    case 1:\n        break;\n    case 2:\n        return -EINVAL;\n    }\n${FLUSH}\n    return 0;`);
    expect(o?.missingPath?.map((s) => s.message)).toContain('switch ( n ) → case 2');
    expect(missingExit(o)).toBe('returns without flushing: return -EINVAL;');
  });

  it('#ifdef in the body: both sides are paths', () => {
    const o = obligation(`${ALLOC}\n#ifdef CONFIG_FOO\n${FLUSH}\n#else\n    n = 0;\n#endif\n    return 0;`);
    expect(o?.missingPath?.some((s) => s.message === '#if CONFIG_FOO → false')).toBe(true);
  });

  it('the flag clear means nothing is owed: `if ( need_tlbflush )` settles both ways', () => {
    const o = obligation(`${ALLOC}\n    if ( need_tlbflush )\n    {\n        n++;\n        filtered_flush_tlb_mask(stamp);\n    }\n    return 0;`);
    expect(o?.missingPath).toBeUndefined();
  });

  it('a failed allocation before any bookkeeping owes nothing', () => {
    const o = obligation(
      `    pg = alloc_domheap_pages(d, 0, MEMF_no_tlbflush);\n    if ( !pg )\n        return -ENOMEM;\n    accumulate_tlbflush(&need_tlbflush, pg, &stamp);\n${FLUSH}\n    return 0;`,
    );
    expect(o?.missingPath).toBeUndefined();
  });

  it('without bookkeeping the debt starts at the allocation', () => {
    const o = obligation(`    pg = alloc_domheap_pages(d, 0, MEMF_no_tlbflush);\n    if ( !pg )\n        return -ENOMEM;\n    flush_tlb_mask(&cpu_online_map);\n    return 0;`);
    expect(missingExit(o)).toBe('returns without flushing: return -ENOMEM;');
    expect(o?.missingPath?.[0]?.message).toMatch(/^allocates with MEMF_no_tlbflush/);
  });

  it('a flag set into a variable owes from the allocation that passes it', () => {
    const o = obligation(
      `    unsigned int memflags = 0;\n    if ( n > 4 )\n        memflags |= MEMF_no_tlbflush;\n    pg = alloc_domheap_pages(d, 0, memflags);\n    accumulate_tlbflush(&need_tlbflush, pg, &stamp);\n    if ( !pg )\n        return -ENOMEM;\n${FLUSH}\n    return 0;`,
    );
    expect(o?.missingPath?.[0]?.message).toBe('allocates with MEMF_no_tlbflush: pg = alloc_domheap_pages(d, 0, memflags);');
    expect(missingExit(o)).toBe('returns without flushing: return -ENOMEM;');
  });

  it('clearing the flag is not an allocation with it', () => {
    expect(obligation(`    unsigned int f = n;\n    f &= ~MEMF_no_tlbflush;\n    pg = alloc_domheap_pages(d, 0, f);\n    return 0;`)).toBeUndefined();
  });
});
