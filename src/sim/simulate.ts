import type { SimResult } from '../types.js';
import { explore, type ExploreOptions } from './explorer.js';
import type { ConcreteFlush, Outcome } from './mechanisms.js';
import { buildScenario, type ScenarioSpec } from './scenarios.js';
import { buildTrace } from './trace.js';

export interface SimulateOptions extends ExploreOptions {}

// A result is a pure function of its key (the whole scenario and the options), so the
// cache is shared by the process; bounded, since --max-states can vary without limit.
const cache = new Map<string, SimResult>();
const CACHE_LIMIT = 1024;

/** Explores one scenario with one concrete flush and reports it as a SimResult. */
export function simulate(spec: ScenarioSpec, flush: ConcreteFlush, options: SimulateOptions = {}): SimResult {
  const key = JSON.stringify([
    spec.kind,
    spec.arch,
    spec.cpus,
    spec.oldTypePageTable ?? null,
    spec.skipPath ?? null,
    spec.guestTablesShared ?? null,
    spec.mutation ?? null,
    flush,
    options.symmetry ?? true,
    options.maxStates ?? null,
  ]);
  const hit = cache.get(key);
  if (hit) return structuredClone(hit);
  const built = buildScenario(spec, flush);
  const symmetry = options.symmetry ?? true;
  const exploration = explore(built.config, { ...options, symmetry, stopAtViolation: true });
  const result: SimResult = {
    safe: exploration.safe,
    states: exploration.states,
    transitions: exploration.transitions,
    trace: buildTrace(built.config, exploration, symmetry),
    ...(exploration.property ? { property: exploration.property } : {}),
    ...(exploration.bound ? { bound: exploration.bound } : {}),
    scenario: built.name,
    cpus: spec.cpus,
    ...(built.notes.length ? { notes: built.notes } : {}),
  };
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, result);
  return structuredClone(result);
}

export interface OutcomeRun {
  outcome: Outcome;
  spec: ScenarioSpec;
  result: SimResult;
}

/**
 * Several runs that together cover one mechanism (its outcomes, or the scenario variants
 * a conditional maps to) as one result: safe only if every run is; states and
 * transitions summed; the counterexample is the shortest failing run's, with `failsWhen`
 * naming its outcome.
 */
export function combine(runs: readonly OutcomeRun[]): SimResult {
  const failing = runs.filter((r) => !r.result.safe && !r.result.bound).sort((a, b) => a.result.trace.length - b.result.trace.length);
  const bounded = runs.find((r) => r.result.bound);
  const pick = failing[0] ?? bounded ?? runs[0]!;
  const result: SimResult = {
    ...pick.result,
    safe: runs.every((r) => r.result.safe),
    states: runs.reduce((s, r) => s + r.result.states, 0),
    transitions: runs.reduce((s, r) => s + r.result.transitions, 0),
    scenario: [...new Set(runs.map((r) => r.result.scenario))].join(' + '),
  };
  if (failing[0] && runs.length > 1) result.failsWhen = failing[0].outcome.when;
  const notes = [...new Set(runs.flatMap((r) => r.result.notes ?? []))];
  if (notes.length) result.notes = notes;
  return result;
}
