import type { Arch, FlushModel, SimResult } from '../types.js';
import { outcomesOf } from './mechanisms.js';
import { combine, simulate, type OutcomeRun } from './simulate.js';
import type { ScenarioSpec } from './scenarios.js';

/**
 * A flush that may run with interrupts off, replayed with the `initiator-irq-off`
 * mutation: the initiator disables interrupts around its flush while a second CPU
 * runs an IPI flush of every other CPU. Every outcome of the site's mechanism is
 * run; an outcome that sends IPIs and waits deadlocks (P4: the second flusher
 * holds flush_lock and waits for the initiator, which cannot take its IPI and
 * spins on the lock), one that needs no cooperation from the targets (assisted,
 * broadcast TLBI, firmware fence) completes. The scenario is `other`: the hazard
 * is the wait, whatever the flush protects.
 */
export function simulateIrqOff(arch: Arch, model: FlushModel, cpus: number, guestTablesShared: boolean): SimResult {
  const spec: ScenarioSpec = { kind: 'other', arch, cpus, mutation: 'initiator-irq-off', ...(arch === 'x86' ? { guestTablesShared } : {}) };
  const runs: OutcomeRun[] = outcomesOf(model.mechanism, model.condition).map((outcome) => ({ outcome, spec, result: simulate(spec, outcome.flush) }));
  return combine(runs);
}
