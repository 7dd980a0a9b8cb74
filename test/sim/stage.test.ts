import { describe, expect, it } from 'vitest';
import { simulateStage } from '../../src/sim/index.js';
import { STAGES } from '../../src/pipeline/index.js';
import type { PatchAnalysis, Site } from '../../src/types.js';
import { RunContext } from '../../src/util/run-context.js';
import { getPageTypeElse, getPageTypeSync, memoryC, pageAllocC, site } from './sites.js';

const analysis = (sites: Site[]): PatchAnalysis => ({
  patch: { meta: { index: 0, source: 'seed', form: 'web-thread' }, files: [] },
  collected: [],
  run: new RunContext(),
  sites,
  family: new Set(),
  options: { arches: ['x86', 'arm'], config: { CONFIG_PV: true, CONFIG_SHADOW_PAGING: true } },
});

describe('simulate stage', () => {
  it('is the last stage of the pipeline', () => {
    expect(STAGES[STAGES.length - 1]).toBe(simulateStage);
  });

  it('sets verdict and sim per architecture on the seed sites', () => {
    const out = simulateStage(analysis([memoryC, pageAllocC, getPageTypeSync, getPageTypeElse]));
    const verdicts = out.map((s) => Object.fromEntries(Object.entries(s.arch!).map(([a, r]) => [a, r.verdict])));
    expect(verdicts).toEqual([{ x86: 'missing-forced-ipi', arm: 'no-op' }, { x86: 'ok', arm: 'no-op' }, { x86: 'ok' }, { x86: 'ok' }]);
    const sim = out[0]!.arch!.x86!.sim!;
    expect(sim).toMatchObject({ safe: false, property: 'P1', cpus: 3 });
    expect(sim.trace.length).toBeGreaterThan(0);
    expect(sim.states).toBeGreaterThan(0);
    expect(sim.transitions).toBeGreaterThan(0);
    // The flush model's fields are kept.
    expect(out[0]!.arch!.x86!.mechanism).toBe('assisted-possible');
  });

  it('does not modify its input sites', () => {
    const input = structuredClone(memoryC);
    simulateStage(analysis([input]));
    expect(input).toEqual(memoryC);
  });

  it('passes sites without arch or classes through unchanged', () => {
    const bare = site({ api: 'flush_tlb_mask', file: 'a.c', line: 1 });
    const noClasses = site({ api: 'flush_tlb_mask', file: 'a.c', line: 2, arch: { x86: { mechanism: 'assisted-possible', source: 'built-in' } } });
    const definition = { ...memoryC, kind: 'definition' as const };
    const out = simulateStage(analysis([bare, noClasses, definition]));
    expect(out).toEqual([bare, noClasses, definition]);
  });

  it('is deterministic', () => {
    const a = JSON.stringify(simulateStage(analysis([memoryC, pageAllocC])));
    const b = JSON.stringify(simulateStage(analysis([memoryC, pageAllocC])));
    expect(a).toBe(b);
  });
});
