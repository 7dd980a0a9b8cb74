import { describe, expect, it } from 'vitest';
import type { Site } from '../../src/types.js';
import { CallGraph } from '../../src/classify/call-graph.js';
import { bootPhaseOf, irqOffAt } from '../../src/classify/irq-off.js';
import { summarizeImage } from '../../src/classify/summarize.js';
import { treeImage } from '../../src/classify/tree-index.js';
import { builtinFamily } from '../../src/sites/find-sites.js';
import { bootOnlyPhases, phasesWhere, reachesBoot } from '../../src/xen/boot-phases.js';

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

describe('boot phases chosen by system_state', () => {
  const names = (conditions: string[]): string[] | undefined => phasesWhere(conditions)?.map((p) => p.name.replace('SYS_STATE_', ''));

  it('reads a guard over the enum by value, whatever its spelling', () => {
    expect(names(['system_state < SYS_STATE_active'])).toEqual(['early_boot', 'boot', 'smp_boot']);
    expect(names(['system_state == SYS_STATE_early_boot'])).toEqual(['early_boot']);
    expect(names(['!(system_state < SYS_STATE_active)'])).toEqual(names(['system_state >= SYS_STATE_active']));
    expect(names(['SYS_STATE_smp_boot <= system_state'])).toEqual(['smp_boot', 'active', 'suspend', 'resume']);
    expect(names(['opt_x && system_state < SYS_STATE_smp_boot', 'c'])).toEqual(['early_boot', 'boot']);
    expect(names(['c', 'd->x > 2'])).toBeUndefined();
  });

  it('confines a call to boot only when a phase with interrupts off reaches it and the running system does not', () => {
    expect(bootOnlyPhases(['system_state < SYS_STATE_active'])).toBeDefined();
    expect(bootOnlyPhases(['system_state != SYS_STATE_active'])).toBeDefined();
    expect(bootOnlyPhases(['system_state >= SYS_STATE_smp_boot'])).toBeUndefined();
    expect(bootOnlyPhases(['system_state <= SYS_STATE_active'])).toBeUndefined();
    expect(bootOnlyPhases(['system_state == SYS_STATE_resume'])).toBeUndefined();
    expect(bootOnlyPhases(['system_state == SYS_STATE_smp_boot'])).toBeUndefined();
    expect(reachesBoot([])).toBe(true);
    expect(reachesBoot(['system_state > SYS_STATE_boot'])).toBe(false);
  });

  it('a flush in the early-boot branch is off, one on the running side is not', () => {
    const at = (guards: string[]) => bootPhaseOf({ file: 'm.c', line: 9, function: 'f', text: 'flush_tlb_mask(m)', guards });
    expect(at(['system_state < SYS_STATE_active'])).toMatchObject({
      via: 'boot-phase',
      guard: 'system_state < SYS_STATE_active',
      phases: ['SYS_STATE_early_boot', 'SYS_STATE_boot', 'SYS_STATE_smp_boot'],
    });
    expect(at(['!(system_state >= SYS_STATE_active)'])?.via).toBe('boot-phase');
    expect(at(['system_state >= SYS_STATE_active'])).toBeUndefined();
    expect(at(['!(system_state < SYS_STATE_smp_boot)'])).toBeUndefined();
    expect(at([])).toBeUndefined();
  });

  it('irqOffAt finds it through the site guards of a function with no disable', () => {
    const text = 'void f(cpumask_t *m)\n{\n    if ( system_state < SYS_STATE_active )\n        flush_tlb_mask(m);\n    else\n        flush_tlb_mask(m);\n}\n';
    const graph = new CallGraph('new', [summarizeImage(treeImage('m.c', text))], builtinFamily());
    const siteAt = (line: number, guards: string[]): Site => ({
      id: `s${line}`,
      patch: 0,
      file: 'm.c',
      line,
      column: 9,
      side: 'new',
      change: 'added',
      function: 'f',
      api: 'flush_tlb_mask',
      kind: 'call',
      args: ['m'],
      text: 'flush_tlb_mask(m)',
      guards,
    });
    expect(irqOffAt(siteAt(4, ['system_state < SYS_STATE_active']), graph)?.via).toBe('boot-phase');
    expect(irqOffAt(siteAt(6, ['!(system_state < SYS_STATE_active)']), graph)).toBeUndefined();
  });
});
