import { describe, expect, it } from 'vitest';
import type { ConcreteFlush } from '../../src/sim/mechanisms.js';
import type { ScenarioSpec } from '../../src/sim/scenarios.js';
import { simulate } from '../../src/sim/simulate.js';

/** Every x86 scenario the policies must cover. */
const SCENARIOS: ScenarioSpec[] = [
  { kind: 'page-type-change', arch: 'x86', cpus: 3, oldTypePageTable: true },
  { kind: 'page-type-change', arch: 'x86', cpus: 3, oldTypePageTable: false },
  { kind: 'allocation', arch: 'x86', cpus: 3 },
  { kind: 'deferred-allocation-flush', arch: 'x86', cpus: 3 },
  { kind: 'other', arch: 'x86', cpus: 3 },
];

type Policy = (spec: ScenarioSpec) => ConcreteFlush;
/** The fix the seed thread converged on: force IPIs where a walker may read the frame, assisted elsewhere. */
const fixed: Policy = (s) => (s.kind === 'other' || (s.kind === 'page-type-change' && s.oldTypePageTable === false) ? 'assisted' : 'ipi');
const allIpi: Policy = () => 'ipi';
const allAssisted: Policy = () => 'assisted';
const noFlush: Policy = () => 'none';

const run = (policy: Policy, extra: Partial<ScenarioSpec> = {}, cpus = 3) => SCENARIOS.map((s) => ({ s, r: simulate({ ...s, ...extra, cpus }, policy({ ...s, ...extra })) }));

describe('mutation suite', () => {
  for (const cpus of [2, 3, 4]) {
    it(`the fixed policy and the all-IPI policy pass (N=${cpus})`, () => {
      for (const { s, r } of [...run(fixed, {}, cpus), ...run(allIpi, {}, cpus)]) expect(r.safe, s.kind).toBe(true);
    });
  }

  it('assisted flushes everywhere: P1 wherever a walker can hold a pointer to the frame', () => {
    const results = run(allAssisted);
    const failing = results.filter(({ r }) => !r.safe);
    expect(failing.map(({ s }) => s.kind)).toEqual(['page-type-change', 'allocation', 'deferred-allocation-flush']);
    for (const { r } of failing) expect(r.property).toBe('P1');
  });

  it('no flush at all: P2 (or P3 when the frame becomes a page table) in every scenario', () => {
    const results = run(noFlush);
    expect(results.map(({ r }) => r.property)).toEqual(['P2', 'P3', 'P2', 'P2', 'P2']);
  });

  it('an initiator flushing with interrupts off beside another flusher deadlocks (P4)', () => {
    for (const { r } of run(allIpi, { mutation: 'initiator-irq-off' })) {
      expect(r.safe).toBe(false);
      expect(r.property).toBe('P4');
    }
    // With interrupts off but an assisted flush (no lock, no IPI wait), it does not.
    expect(simulate({ kind: 'other', arch: 'x86', cpus: 3, mutation: 'initiator-irq-off' }, 'assisted').safe).toBe(true);
  });

  it('a walker that does not mask interrupts fails P1 even with IPI flushes', () => {
    const failing = run(allIpi, { mutation: 'walker-unmasked' }).filter(({ r }) => !r.safe);
    expect(failing.map(({ s }) => s.kind)).toEqual(['page-type-change', 'allocation', 'deferred-allocation-flush']);
    for (const { r } of failing) expect(r.property).toBe('P1');
  });

  it('a deferred flush with an exit path that skips it fails whatever the mechanism', () => {
    for (const flush of ['ipi', 'assisted'] as const) {
      const r = simulate({ kind: 'deferred-allocation-flush', arch: 'x86', cpus: 3, skipPath: true }, flush);
      expect(r.safe).toBe(false);
      expect(r.trace.some((s) => /skips the flush/.test(s.action))).toBe(true);
    }
  });

  it('on Arm the p2m lock, not interrupt masking, keeps the broadcast flush safe', () => {
    for (const s of SCENARIOS) expect(simulate({ ...s, arch: 'arm' }, 'broadcast').safe, s.kind).toBe(true);
  });
});
