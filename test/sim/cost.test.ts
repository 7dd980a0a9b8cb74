import { describe, expect, it } from 'vitest';
import { COST_PARAMETERS, estimateCost } from '../../src/sim/cost.js';
import type { Site } from '../../src/types.js';
import { memoryC, pageAllocC, site, model } from './sites.js';

const withVerdict = (s: Site, verdict: 'missing-forced-ipi' | 'unnecessary-forced-ipi' | 'ok'): Site => ({ ...s, arch: { ...s.arch, x86: { ...s.arch!.x86!, verdict } } });

describe('cost model', () => {
  it('prices the fix of a missing forced IPI at the measured 32-vCPU numbers', () => {
    const e = estimateCost(withVerdict(memoryC, 'missing-forced-ipi'), 'x86')!;
    expect(e.direction).toBe('adds-forcing');
    expect(e.targets).toBe(31);
    expect(e.ipiFlushMs).toEqual({ low: 0.22, high: 1.36 });
    expect(e.workloadRatio).toBeCloseTo(2184 / 316, 2);
    expect(e.assumptions.join('\n')).toMatch(/disables the TLB-flush clock/);
    expect(e.summary).toMatch(/^adds about 0.22–1.36 ms per flush/);
  });

  it('scales with the number of CPUs and names the savings of an unnecessary one', () => {
    const grant = withVerdict(site({ api: 'flush_tlb_mask_sync', file: 'g.c', line: 1, classes: ['other'], arch: { x86: model('forced-ipi') } }), 'unnecessary-forced-ipi');
    const e = estimateCost(grant, 'x86', 8)!;
    expect(e.direction).toBe('removes-forcing');
    expect(e.targets).toBe(7);
    expect(e.ipiFlushMs.high).toBeCloseTo((1.36 * 7) / 31, 3);
    expect(e.assumptions.join('\n')).toMatch(/upper bound/);
  });

  it('has nothing to say where forcing does not change, or off x86', () => {
    expect(estimateCost(withVerdict(memoryC, 'ok'), 'x86')).toBeUndefined();
    expect(estimateCost(pageAllocC, 'arm')).toBeUndefined();
  });

  it('cites a source for every parameter', () => {
    for (const p of Object.values(COST_PARAMETERS)) expect(p.source.length).toBeGreaterThan(10);
  });
});
