import { describe, expect, it } from 'vitest';
import { judgeSite, scenariosFor } from '../../src/sim/verdict.js';
import type { Site } from '../../src/types.js';
import { evidence, getPageTypeElse, getPageTypeSync, memoryC, model, PAGE_TABLE_TEST, pageAllocC, site } from './sites.js';

const options = { cpus: 3, config: { CONFIG_PV: true, CONFIG_SHADOW_PAGING: true, CONFIG_HVM: true } };
const judge = (s: Site, arch: 'x86' | 'arm', m = s.arch![arch]!) => judgeSite(s, arch, m, options)!;

describe('verdicts on the seed thread', () => {
  it('memory.c filtered_flush_tlb_mask(ts, false): missing-forced-ipi on x86, with the walker counterexample', () => {
    const { verdict, sim } = judge(memoryC, 'x86');
    expect(verdict).toBe('missing-forced-ipi');
    expect(sim.safe).toBe(false);
    expect(sim.property).toBe('P1');
    expect(sim.failsWhen).toMatch(/nested/);
    const actors = sim.trace.map((s) => s.actor);
    // The walker reads the pointer before the flush and the frame after the reuse, on the same CPU.
    const first = sim.trace.find((s) => s.actor === 'walker')!;
    const last = sim.trace[sim.trace.length - 1]!;
    expect(last.actor).toBe('walker');
    expect(last.cpu).toBe(first.cpu);
    expect(actors.indexOf('walker')).toBeLessThan(sim.trace.findIndex((s) => /assisted flush/.test(s.action)));
    expect(sim.trace.some((s) => /writes F/.test(s.action))).toBe(true);
  });

  it('memory.c on Arm (broadcast): no-op, proved safe with the p2m lock and said so', () => {
    const { verdict, sim } = judge(memoryC, 'arm');
    expect(verdict).toBe('no-op');
    expect(sim.safe).toBe(true);
    expect(sim.notes?.join(' ')).toMatch(/p2m lock/);
  });

  it('page_alloc.c filtered_flush_tlb_mask(ts, true): ok on x86, no-op on Arm', () => {
    expect(judge(pageAllocC, 'x86').verdict).toBe('ok');
    expect(judge(pageAllocC, 'x86').sim.safe).toBe(true);
    expect(judge(pageAllocC, 'arm').verdict).toBe('no-op');
  });

  it('_get_page_type: the forced branch is ok; the else branch is ok because an assisted flush of a non-page-table frame is safe', () => {
    expect(judge(getPageTypeSync, 'x86').verdict).toBe('ok');
    const other = judge(getPageTypeElse, 'x86');
    expect(other.verdict).toBe('ok');
    expect(other.sim.safe).toBe(true);
    expect(other.sim.scenario).toMatch(/not a page table/);
    expect(scenariosFor(getPageTypeElse, 'x86', options)[0]!.spec.oldTypePageTable).toBe(false);
  });
});

describe('verdict rules, decided by simulation', () => {
  it('a forced IPI where nothing needs it is unnecessary on x86', () => {
    const grant = site({ api: 'flush_tlb_mask_sync', file: 'xen/common/grant_table.c', line: 10, classes: ['other'], evidence: [evidence('other')], arch: { x86: model('forced-ipi') } });
    expect(judge(grant, 'x86').verdict).toBe('unnecessary-forced-ipi');
    expect(judge(grant, 'x86').sim.safe).toBe(true);
  });

  it('a conditional whose condition is the page-table test is ok: false means the frame was no page table', () => {
    const cond = site({
      api: 'flush_mask',
      file: 'xen/arch/x86/mm.c',
      line: 2900,
      classes: ['page-type-change'],
      evidence: [evidence('page-type-change', [PAGE_TABLE_TEST])],
      arch: { x86: model('conditional', { condition: PAGE_TABLE_TEST }) },
    });
    const { verdict, sim } = judge(cond, 'x86');
    expect(verdict).toBe('ok');
    expect(sim.safe).toBe(true);
    expect(sim.scenario).toMatch(/old type a page table.*\+.*not a page table/);
  });

  it('a conditional on something else fails, and says under which outcome', () => {
    const cond = site({
      api: 'flush_mask',
      file: 'xen/arch/x86/mm.c',
      line: 2900,
      classes: ['page-type-change'],
      evidence: [evidence('page-type-change', [PAGE_TABLE_TEST])],
      arch: { x86: model('conditional', { condition: 'opt_sync' }) },
    });
    const { verdict, sim } = judge(cond, 'x86');
    expect(verdict).toBe('missing-forced-ipi');
    expect(sim.failsWhen).toMatch(/`opt_sync` is false/);
  });

  it('a conditional with the inverted test fails when it is false', () => {
    const inverted = `!(${PAGE_TABLE_TEST})`;
    const cond = site({
      api: 'flush_mask',
      file: 'xen/arch/x86/mm.c',
      line: 2900,
      classes: ['page-type-change'],
      evidence: [evidence('page-type-change', [PAGE_TABLE_TEST])],
      arch: { x86: model('conditional', { condition: inverted }) },
    });
    const { verdict, sim } = judge(cond, 'x86');
    expect(verdict).toBe('missing-forced-ipi');
    expect(sim.failsWhen).toMatch(/is false/);
  });

  it('HAP-only builds need no forcing: the walker never reads guest page tables', () => {
    const hap = { cpus: 3, config: { CONFIG_PV: false, CONFIG_SHADOW_PAGING: false } };
    expect(judgeSite(memoryC, 'x86', memoryC.arch!.x86!, hap)!.verdict).toBe('ok');
    expect(judgeSite(pageAllocC, 'x86', pageAllocC.arch!.x86!, hap)!.verdict).toBe('unnecessary-forced-ipi');
  });

  it('a missing flush on an owner exit path is shown by simulation without becoming a forcing verdict', () => {
    const owner = site({
      ...pageAllocC,
      api: 'filtered_flush_tlb_mask',
      classes: ['deferred-allocation-flush'],
      obligation: { owner: 'populate_physmap', flushedAt: [], missingPath: [{ file: 'xen/common/memory.c', line: 200, message: 'goto out_nflush' }] },
    });
    const { verdict, sim } = judge(owner, 'x86');
    expect(verdict).toBe('ok');
    expect(sim.safe).toBe(false);
    expect(sim.failsWhen).toMatch(/skips the flush/);
  });

  it('no mechanism flush at all where one is needed: not-applicable, with the P2 counterexample', () => {
    const none = site({ ...pageAllocC, arch: { ppc: model('none') } });
    const j = judgeSite(none, 'ppc', none.arch!.ppc!, options)!;
    expect(j.verdict).toBe('not-applicable');
    expect(j.sim.property).toBe('P2');
  });

  it('an unknown mechanism on a site that needs forcing is neither ok nor a guessed error: inconclusive, with the reason', () => {
    const unknown = site({ ...pageAllocC, arch: { x86: model('unknown') } });
    const judged = judge(unknown, 'x86');
    expect(judged.verdict).toBe('inconclusive');
    expect(judged.sim.undecided).toMatch(/cannot be derived|not known/);
  });

  it('a stub that traps is neither a completed flush nor a no-op: inconclusive, its reason, no counterexample', () => {
    const trap = { ...model('not-implemented'), notes: ['arch_flush_tlb_mask is not implemented on this port: its body traps (BUG_ON) instead of flushing'] };
    const stub = site({ ...pageAllocC, arch: { ppc: trap } });
    const j = judgeSite(stub, 'ppc', trap, options)!;
    expect(j.verdict).toBe('inconclusive');
    expect(j.sim.undecided).toMatch(/traps \(BUG_ON\)/);
    expect(j.sim.trace).toEqual([]);
    expect(j.sim.property).toBeUndefined();
  });
});
