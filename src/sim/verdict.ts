import type { Arch, FlushModel, SimResult, Site, SiteClass, Verdict } from '../types.js';
import { pageTablePolarity, relateConditions } from './conditions.js';
import { isForced, outcomesOf, unforcedFlush, type Outcome } from './mechanisms.js';
import type { ScenarioSpec } from './scenarios.js';
import { combine, simulate, type OutcomeRun, type SimulateOptions } from './simulate.js';

export interface JudgeOptions extends SimulateOptions {
  cpus: number;
  /** Build configuration: CONFIG_PV / CONFIG_SHADOW_PAGING decide whether x86's walker reads guest page tables. */
  config: Record<string, boolean>;
}

export const DEFAULT_CPUS = 3;

/** A scenario a site's classification calls for, with the page-table test that selects it, if any. */
export interface DerivedScenario {
  spec: ScenarioSpec;
  /** The page-table test (as written) under which this scenario holds. */
  condition?: string;
}

const CLASS_ORDER: readonly SiteClass[] = ['page-type-change', 'allocation', 'deferred-allocation-flush', 'other'];

export function guestTablesShared(config: Record<string, boolean>): boolean {
  // Either option absent counts as built in (the default build has both).
  return config.CONFIG_PV !== false || config.CONFIG_SHADOW_PAGING !== false;
}

/** The scenarios a site's classes call for on one architecture. */
export function scenariosFor(site: Site, arch: Arch, options: JudgeOptions): DerivedScenario[] {
  const base = { arch, cpus: options.cpus, ...(arch === 'x86' ? { guestTablesShared: guestTablesShared(options.config) } : {}) };
  const out: DerivedScenario[] = [];
  const classes = CLASS_ORDER.filter((c) => site.classes?.includes(c));
  for (const kind of classes) {
    const conditions = (site.evidence ?? []).filter((e) => e.class === kind).flatMap((e) => e.conditions ?? []);
    const test = conditions.find((c) => pageTablePolarity(c) !== undefined);
    const polarity = test === undefined ? undefined : pageTablePolarity(test);
    const cond = test === undefined ? {} : { condition: test };
    if (kind === 'page-type-change') out.push({ spec: { ...base, kind, oldTypePageTable: polarity ?? true }, ...cond });
    // `other` under "old type is not a page table" is a page-type change of a non-page-table frame: simulate exactly that.
    else if (kind === 'other' && polarity === false) out.push({ spec: { ...base, kind: 'page-type-change', oldTypePageTable: false }, ...cond });
    else out.push({ spec: { ...base, kind }, ...cond });
  }
  if (site.obligation?.missingPath?.length) out.push({ spec: { ...base, kind: 'deferred-allocation-flush', skipPath: true } });
  return out;
}

/**
 * The scenario an outcome of the mechanism actually runs in. A `conditional` mechanism
 * whose condition is a page-table test decides the frame's old type: when it is false
 * the frame was not a page table (and the other way round).
 */
function specForOutcome(derived: DerivedScenario, outcome: Outcome, model: FlushModel): ScenarioSpec {
  const spec = derived.spec;
  if (outcome.conditionValue === undefined || spec.kind !== 'page-type-change' || !model.condition) return spec;
  const polarity = pageTablePolarity(model.condition);
  if (polarity !== undefined) return { ...spec, oldTypePageTable: outcome.conditionValue ? polarity : !polarity };
  if (derived.condition) {
    const relation = relateConditions(model.condition, derived.condition);
    const holds = relation === 'same' ? outcome.conditionValue : relation === 'negated' ? !outcome.conditionValue : true;
    return { ...spec, oldTypePageTable: holds ? spec.oldTypePageTable : !spec.oldTypePageTable };
  }
  return spec;
}

/** Runs the site's mechanism (every outcome) in one scenario. */
export function simulateMechanism(derived: DerivedScenario, model: FlushModel, options: SimulateOptions): SimResult {
  const runs: OutcomeRun[] = outcomesOf(model.mechanism, model.condition).map((outcome) => {
    const spec = specForOutcome(derived, outcome, model);
    return { outcome, spec, result: simulate(spec, outcome.flush, options) };
  });
  return combine(runs);
}

interface Judged {
  verdict: Verdict;
  sim: SimResult;
}

function judgeScenario(derived: DerivedScenario, arch: Arch, model: FlushModel, options: JudgeOptions): Judged {
  const spec = derived.spec;
  if (spec.skipPath) {
    // A path with no flush is a missing flush, not a missing forced IPI: the verdict is the
    // flushed paths', the simulation shows what the skipping path does.
    const flushed = judgeScenario({ ...derived, spec: { ...spec, skipPath: false } }, arch, model, options);
    const skipping = simulateMechanism(derived, model, options);
    if (skipping.safe) return flushed;
    return { verdict: flushed.verdict, sim: { ...skipping, failsWhen: 'the owner leaves by the exit path that skips the flush' } };
  }
  const sim = simulateMechanism(derived, model, options);
  if (sim.bound) return { verdict: 'inconclusive', sim };
  const forced = simulate(spec, 'ipi', options);
  const unforced = simulate(spec, unforcedFlush(arch), options);
  if (forced.bound || unforced.bound) return { verdict: 'inconclusive', sim: { ...sim, bound: (forced.bound ?? unforced.bound)! } };
  if (!sim.safe) {
    // No flush at all on this architecture: not a question of forcing.
    if (model.mechanism === 'none') return { verdict: 'not-applicable', sim };
    if (forced.safe) return { verdict: 'missing-forced-ipi', sim };
    return { verdict: 'inconclusive', sim: { ...sim, notes: [...(sim.notes ?? []), 'unsafe even with a forced IPI: the fault is not the flush mechanism'] } };
  }
  if (!unforced.safe) return { verdict: 'ok', sim };
  // Forcing is not needed here.
  if (isForced(model.mechanism) && unforcedFlush(arch) !== 'ipi') return { verdict: 'unnecessary-forced-ipi', sim };
  if (arch !== 'x86' && forced.safe) {
    const onX86: ScenarioSpec = { ...spec, arch: 'x86', guestTablesShared: guestTablesShared(options.config) };
    const x86Unforced = simulate(onX86, unforcedFlush('x86'), options);
    if (!x86Unforced.safe && !x86Unforced.bound) return { verdict: 'no-op', sim };
  }
  return { verdict: 'ok', sim };
}

/** Which verdict wins when a site's scenarios disagree: the most serious first. */
const PRECEDENCE: readonly Verdict[] = ['missing-forced-ipi', 'inconclusive', 'no-op', 'ok', 'unnecessary-forced-ipi', 'not-applicable'];

/**
 * The verdict for one site on one architecture, decided by simulation: the site's
 * mechanism in every scenario its classes call for, against the same scenarios with a
 * forced IPI and with this architecture's unforced flush. Undefined when the site has no
 * class to simulate.
 */
export function judgeSite(site: Site, arch: Arch, model: FlushModel, options: JudgeOptions): Judged | undefined {
  const scenarios = scenariosFor(site, arch, options);
  if (scenarios.length === 0) return undefined;
  const judged = scenarios.map((s) => judgeScenario(s, arch, model, options));
  const rank = (j: Judged): number => PRECEDENCE.indexOf(j.verdict) * 2 + (j.sim.safe ? 1 : 0);
  const best = judged.reduce((b, j) => (rank(j) < rank(b) ? j : b));
  // "Unnecessary" needs to know that no root reaches the site, not only that none is in view.
  if (best.verdict === 'unnecessary-forced-ipi' && reachUnknown(site)) {
    return { verdict: 'ok', sim: { ...best.sim, notes: [...(best.sim.notes ?? []), 'the callers are not in view: forcing may be needed by one of them'] } };
  }
  return best;
}

/** Classified `other` only because the chain left the code in view (Evidence.incomplete). */
const reachUnknown = (site: Site): boolean => (site.evidence ?? []).some((e) => e.incomplete) && (site.classes ?? []).every((c) => c === 'other');
