import { describe, expect, it } from 'vitest';
import type { Site } from '../../src/types.js';
import { CallGraph } from '../../src/classify/call-graph.js';
import { irqOffAt } from '../../src/classify/irq-off.js';
import { summarizeImage } from '../../src/classify/summarize.js';
import { treeImage } from '../../src/classify/tree-index.js';
import { builtinFamily } from '../../src/sites/find-sites.js';

/** The lines of calls to `flush_tlb_mask` that may run with interrupts off in `text`. */
function offFlushLines(text: string): number[] {
  const facts = summarizeImage(treeImage('irq.c', text));
  return facts.functions.flatMap((f) => (f.irqOffCalls ?? []).filter((c) => c.callee === 'flush_tlb_mask').map((c) => c.line));
}

const fn = (body: string): string => `void f(struct domain *d, bool c)\n{\n    unsigned long flags;\n\n${body}\n}\n`;
const FLUSH = '    flush_tlb_mask(d->dirty_cpumask);';

describe('interrupts-off regions on the control-flow graph', () => {
  it('a flush between spin_lock_irqsave and its restore is off; after it, on', () => {
    expect(offFlushLines(fn(`    spin_lock_irqsave(&d->lock, flags);\n${FLUSH}\n    spin_unlock_irqrestore(&d->lock, flags);`))).toEqual([6]);
    expect(offFlushLines(fn(`    spin_lock_irqsave(&d->lock, flags);\n    spin_unlock_irqrestore(&d->lock, flags);\n${FLUSH}`))).toEqual([]);
  });

  it('some path is enough: a branch that keeps the lock to the flush', () => {
    const text = fn(`    spin_lock_irq(&d->lock);\n    if ( c )\n        spin_unlock_irq(&d->lock);\n${FLUSH}\n    if ( !c )\n        spin_unlock_irq(&d->lock);`);
    expect(offFlushLines(text)).toEqual([8]);
  });

  it('an enable on every path (early return, goto) leaves the flush on', () => {
    const text = fn(
      `    local_irq_disable();\n    if ( c )\n    {\n        local_irq_enable();\n        return;\n    }\n    if ( d->x )\n    {\n        local_irq_enable();\n        goto out;\n    }\n    local_irq_enable();\n out:\n${FLUSH}`,
    );
    expect(offFlushLines(text)).toEqual([]);
  });

  it('a restore closes only its own save: an outer disable stays open', () => {
    const inner = fn(`    local_irq_disable();\n    local_irq_save(flags);\n    local_irq_restore(flags);\n${FLUSH}\n    local_irq_enable();`);
    expect(offFlushLines(inner)).toEqual([8]);
    // A restore of another flags variable closes nothing.
    const other = fn(`    unsigned long f2;\n    local_irq_save(flags);\n    local_irq_restore(f2);\n${FLUSH}`);
    expect(offFlushLines(other)).toEqual([8]);
  });

  it('a loop body that disables and enables leaves the flush after the loop on', () => {
    const text = fn(`    while ( c )\n    {\n        spin_lock_irq(&d->lock);\n        c = step(d);\n        spin_unlock_irq(&d->lock);\n    }\n${FLUSH}`);
    expect(offFlushLines(text)).toEqual([]);
  });

  it('a caller that calls the flushing function with interrupts off is found one level up', () => {
    const text = `static void helper(struct domain *d)\n{\n${FLUSH}\n}\n\nvoid caller(struct domain *d)\n{\n    spin_lock_irq(&d->lock);\n    helper(d);\n    spin_unlock_irq(&d->lock);\n}\n`;
    const facts = summarizeImage(treeImage('irq.c', text));
    const graph = new CallGraph('new', [facts], builtinFamily());
    const site: Site = {
      id: 's',
      patch: 0,
      file: 'irq.c',
      line: 3,
      column: 5,
      side: 'new',
      change: 'unchanged',
      function: 'helper',
      api: 'flush_tlb_mask',
      kind: 'call',
      text: 'flush_tlb_mask(d->dirty_cpumask)',
      guards: [],
    };
    const off = irqOffAt(site, graph);
    expect(off?.via).toBe('caller');
    expect(off?.steps.map((s) => [s.function, s.line])).toEqual([
      ['caller', 8],
      ['caller', 9],
      ['helper', 3],
    ]);
  });
});

describe('interrupts off, inferred from a later enable', () => {
  it('a flush followed by a restore with no save in view is off (inferred); one after a re-disable is not', () => {
    const facts = summarizeImage(treeImage('irq.c', fn(`${FLUSH}\n    spin_unlock_irqrestore(&d->lock, flags);`)));
    const call = facts.functions[0]!.irqOffCalls?.find((c) => c.callee === 'flush_tlb_mask');
    expect(call).toMatchObject({ line: 5, inferred: true, offLine: 6 });
    // The restore pairs with the save between: nothing says the flush ran with interrupts off.
    expect(offFlushLines(fn(`${FLUSH}\n    local_irq_save(flags);\n    local_irq_restore(flags);`))).toEqual([]);
  });
});

describe('interrupts off, as the code asserts', () => {
  it('a flush after ASSERT(!local_irq_is_enabled()) is off; after ASSERT(local_irq_is_enabled()) it is not', () => {
    expect(offFlushLines(fn(`    ASSERT(!local_irq_is_enabled());\n${FLUSH}`))).toEqual([6]);
    expect(offFlushLines(fn(`    ASSERT(local_irq_is_enabled());\n${FLUSH}`))).toEqual([]);
  });
});
