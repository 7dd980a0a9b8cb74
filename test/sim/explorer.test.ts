import { describe, expect, it } from 'vitest';
import { Transitions } from '../../src/sim/actors.js';
import { explore } from '../../src/sim/explorer.js';
import { initialState } from '../../src/sim/model.js';
import { violatedInvariant } from '../../src/sim/properties.js';
import { CONCRETE_FLUSHES } from '../../src/sim/mechanisms.js';
import { buildScenario, MUTATIONS, SCENARIO_KINDS, type ScenarioSpec } from '../../src/sim/scenarios.js';
import { simulate } from '../../src/sim/simulate.js';

const hazard: ScenarioSpec = { kind: 'page-type-change', arch: 'x86', cpus: 3 };

describe('explorer', () => {
  it('finds the canonical hazard: an assisted flush lets a page-table frame be retyped under the walker', () => {
    const r = simulate(hazard, 'assisted');
    expect(r.safe).toBe(false);
    expect(r.property).toBe('P1');
    // walker reads the pointer, unlink, assisted flush, retype, walker reads the frame.
    expect(r.trace.map((s) => s.actor)).toEqual(['walker', 'initiator', 'initiator', 'initiator', 'walker']);
    expect(r.trace[0]!.cpu).toBe(r.trace[4]!.cpu);
    expect(r.trace[4]!.effect).toMatch(/stale read/);
  });

  it('proves the same scenario safe with an IPI flush', () => {
    const r = simulate(hazard, 'ipi');
    expect(r.safe).toBe(true);
    expect(r.trace).toEqual([]);
    expect(r.states).toBeGreaterThan(10);
  });

  it('is deterministic: same input, same result', () => {
    expect(JSON.stringify(simulate({ ...hazard, cpus: 4 }, 'assisted', { maxStates: 1e6 }))).toBe(JSON.stringify(simulate({ ...hazard, cpus: 4 }, 'assisted', { maxStates: 1e6 + 1 })));
  });

  it('gives inconclusive, naming the bound, when the state bound is hit', () => {
    const r = simulate({ ...hazard, cpus: 5 }, 'ipi', { symmetry: false, maxStates: 50 });
    expect(r.safe).toBe(false);
    expect(r.property).toBeUndefined();
    expect(r.bound).toMatch(/50 distinct states/);
  });

  it('finds shortest counterexamples: no path of fewer steps reaches a violation', () => {
    const built = buildScenario(hazard, 'assisted');
    const e = explore(built.config, { symmetry: false });
    expect(e.depth).toBe(5);
    // Independent check: depth-limited DFS over every interleaving of at most depth-1 steps.
    const t = new Transitions(built.config);
    const violates = (s: Uint8Array, left: number): boolean => {
      if (violatedInvariant(built.config, s, 0)) return true;
      if (left === 0) return false;
      const out = new Uint8Array(t.stride * t.maxSuccessors);
      const codes = new Int32Array(t.maxSuccessors);
      const k = t.successors(s, out, codes);
      for (let i = 0; i < k; i++) if (violates(out.slice(i * t.stride, (i + 1) * t.stride), left - 1)) return true;
      return false;
    };
    expect(violates(initialState(built.config), 4)).toBe(false);
    expect(violates(initialState(built.config), 5)).toBe(true);
  });

  it('rejects a machine it cannot pack', () => {
    expect(() => explore(buildScenario({ ...hazard, cpus: 9 }, 'ipi').config)).toThrow(/cpus/);
  });
});

describe('symmetry reduction', () => {
  it('never changes a verdict, a property or a counterexample length, and never adds states', () => {
    for (const kind of SCENARIO_KINDS)
      for (const arch of ['x86', 'arm'] as const)
        for (const flush of CONCRETE_FLUSHES)
          for (const mutation of [undefined, ...MUTATIONS])
            for (const cpus of [2, 3, 4, 5]) {
              const spec: ScenarioSpec = { kind, arch, cpus, ...(mutation ? { mutation } : {}) };
              const on = simulate(spec, flush, { symmetry: true });
              const off = simulate(spec, flush, { symmetry: false });
              const label = `${kind} ${arch} ${flush} ${mutation ?? ''} ${cpus}`;
              expect(on.safe, label).toBe(off.safe);
              expect(on.property, label).toBe(off.property);
              expect(on.trace.length, label).toBe(off.trace.length);
              expect(on.states, label).toBeLessThanOrEqual(off.states);
            }
  });

  it('reduces the state count once there are several walkers', () => {
    const on = simulate({ ...hazard, cpus: 5 }, 'ipi', { symmetry: true });
    const off = simulate({ ...hazard, cpus: 5 }, 'ipi', { symmetry: false });
    expect(on.states * 5).toBeLessThan(off.states);
  });
});
