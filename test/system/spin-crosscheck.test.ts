import { describe, expect, it } from 'vitest';
import { explore } from '../../src/sim/explorer.js';
import type { ConcreteFlush } from '../../src/sim/mechanisms.js';
import { buildScenario, type Mutation, type ScenarioSpec } from '../../src/sim/scenarios.js';
import { runSpin } from '../helpers/spin.js';

/**
 * The independent cross-check: the Promela twin (src/sim/promela/flush.pml), verified by
 * spin, must agree with our explorer on every canonical scenario, mechanism and mutation
 * at N = 2 and 3: the same verdict, the same number of distinct states (spin without
 * partial-order reduction, ours without symmetry reduction), and the same depth of the
 * shortest counterexample. spin reports an assertion inside a d_step at the depth of the
 * step's source state, so an invariant violation (P1–P3) found at our depth d is at
 * spin's d-1; a deadlock (P4) is at the stuck state's depth in both.
 */
const VARIANTS: Omit<ScenarioSpec, 'arch' | 'cpus'>[] = [
  { kind: 'page-type-change', oldTypePageTable: true },
  { kind: 'page-type-change', oldTypePageTable: false },
  { kind: 'allocation' },
  { kind: 'deferred-allocation-flush' },
  { kind: 'deferred-allocation-flush', skipPath: true },
  { kind: 'other' },
];

interface Case {
  spec: ScenarioSpec;
  flush: ConcreteFlush;
}

const cases: Case[] = [];
for (const cpus of [2, 3])
  for (const v of VARIANTS) {
    for (const [arch, flushes] of [
      ['x86', ['ipi', 'assisted', 'none']],
      ['arm', ['broadcast', 'ipi', 'none']],
    ] as const)
      for (const flush of flushes) cases.push({ spec: { ...v, arch, cpus }, flush });
    cases.push({ spec: { ...v, arch: 'x86', cpus, guestTablesShared: false }, flush: 'assisted' });
    for (const mutation of ['walker-unmasked', 'initiator-irq-off'] as Mutation[]) for (const flush of ['ipi', 'assisted'] as const) cases.push({ spec: { ...v, arch: 'x86', cpus, mutation }, flush });
  }

const label = ({ spec, flush }: Case): string =>
  `N=${spec.cpus} ${spec.arch} ${spec.kind}${spec.oldTypePageTable === false ? '/non-pt' : ''}${spec.skipPath ? '/skip' : ''}${spec.guestTablesShared === false ? '/hap' : ''} ${flush}${spec.mutation ? ` +${spec.mutation}` : ''}`;

// The system tier installs spin and gcc (scripts/test-deps.sh): no skip when they are missing.
describe('spin cross-check of the Promela twin', () => {
  it.each(cases.map((c) => [label(c), c] as const))('%s', (_, { spec, flush }) => {
    const config = buildScenario(spec, flush).config;
    const whole = explore(config, { symmetry: false, stopAtViolation: false });
    const first = explore(config, { symmetry: false });
    const spin = runSpin(spec, flush);
    expect(whole.states).toBe(spin.states);
    expect(first.safe).toBe(spin.error === undefined);
    if (spin.error) {
      const spinStateDepth = spin.error.depth + (spin.error.kind === 'invariant' ? 1 : 0);
      expect(first.depth).toBe(spinStateDepth);
      expect(spin.error.kind).toBe(first.property === 'P4' ? 'deadlock' : 'invariant');
    }
  });
});
