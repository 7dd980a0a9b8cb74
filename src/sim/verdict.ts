import type { Arch, FlushModel, ScenarioInputs, SimResult, Site, SiteClass, Verdict } from '../types.js';
import { AFTER_LOCAL } from '../model/call-model.js';
import { builtinPageTypes, oldTypesWhere, typeNames, typesNamed, type PageType, type PageTypeTable } from '../classify/page-types.js';
import { pageTablePolarity, relateConditions } from './conditions.js';
import { isForced, outcomesOf, unforcedFlush, type Outcome } from './mechanisms.js';
import type { ScenarioSpec } from './scenarios.js';
import { combine, simulate, type OutcomeRun, type SimulateOptions } from './simulate.js';
import { withFields } from '../util/with-fields.js';

export interface JudgeOptions extends SimulateOptions {
  cpus: number;
  /** Build configuration: CONFIG_PV / CONFIG_SHADOW_PAGING decide whether x86's walker reads guest page tables. */
  config: Record<string, boolean>;
  /** The ordered PGT_* table conditions are evaluated over (the tree's, else built-in). */
  pageTypes?: PageTypeTable;
}

export const DEFAULT_CPUS = 3;

/** A scenario a site's classification calls for, with the page-table test that selects it, if any. */
export interface DerivedScenario {
  spec: ScenarioSpec;
  /** The page-table test (as written) under which this scenario holds. */
  condition?: string;
  /** Page-type changes: the old types the classifier computed to reach the site. */
  oldTypes?: PageType[];
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
  const table = options.pageTypes ?? builtinPageTypes();
  for (const kind of classes) {
    const evidence = (site.evidence ?? []).filter((e) => e.class === kind);
    const conditions = evidence.flatMap((e) => e.conditions ?? []);
    const test = conditions.find((c) => pageTablePolarity(c, table) !== undefined);
    const cond = test === undefined ? {} : { condition: test };
    // The old types the classifier computed (every chain's), when each chain says.
    const computed = evidence.length > 0 && evidence.every((e) => e.oldTypes) ? typesNamed([...new Set(evidence.flatMap((e) => e.oldTypes!.reach))], table) : undefined;
    const reach = computed?.length ? { oldTypes: computed } : {};
    const polarity = computed?.length ? computed.some((t) => t.pageTable) : test === undefined ? undefined : pageTablePolarity(test, table);
    if (kind === 'page-type-change') out.push({ spec: { ...base, kind, oldTypePageTable: polarity ?? true }, ...cond, ...reach });
    // `other` under "old type is not a page table" is a page-type change of a non-page-table frame: simulate exactly that.
    else if (kind === 'other' && polarity === false) out.push({ spec: { ...base, kind: 'page-type-change', oldTypePageTable: false }, ...cond, ...reach });
    else out.push({ spec: { ...base, kind }, ...cond });
  }
  if (site.obligation?.missingPath?.length) out.push({ spec: { ...base, kind: 'deferred-allocation-flush', skipPath: true } });
  return out;
}

/**
 * The scenario an outcome of the mechanism actually runs in, or undefined when it never
 * happens. A `conditional` mechanism whose condition reads the old type splits the old
 * types that reach the site: the outcome runs with those under which the condition takes
 * its value (a page table among them: the frame was a page table).
 */
function specForOutcome(derived: DerivedScenario, outcome: Outcome, model: FlushModel, table: PageTypeTable): { spec: ScenarioSpec; types?: PageType[] } | undefined {
  const spec = derived.spec;
  if (outcome.conditionValue === undefined || spec.kind !== 'page-type-change' || !model.condition) return { spec };
  const among = derived.oldTypes ?? table.types;
  const types = oldTypesWhere(model.condition, outcome.conditionValue, among, table);
  if (types) return types.length === 0 ? undefined : { spec: { ...spec, oldTypePageTable: types.some((t) => t.pageTable) }, types };
  if (derived.condition) {
    const relation = relateConditions(model.condition, derived.condition);
    const holds = relation === 'same' ? outcome.conditionValue : relation === 'negated' ? !outcome.conditionValue : true;
    return { spec: { ...spec, oldTypePageTable: holds ? spec.oldTypePageTable : !spec.oldTypePageTable } };
  }
  return { spec };
}

/** Runs the site's mechanism (every outcome that can happen) in one scenario. */
export function simulateMechanism(derived: DerivedScenario, model: FlushModel, options: SimulateOptions & { pageTypes?: PageTypeTable }): SimResult {
  const table = options.pageTypes ?? builtinPageTypes();
  const runs: OutcomeRun[] = outcomesOf(model.mechanism, model.condition).flatMap((outcome) => {
    const chosen = specForOutcome(derived, outcome, model, table);
    if (!chosen) return [];
    const when = chosen.types ? { ...outcome, when: `${outcome.when}; old types ${typeNames(chosen.types)} take it` } : outcome;
    return [{ outcome: when, spec: chosen.spec, result: simulate(chosen.spec, outcome.flush, options) }];
  });
  return combine(runs);
}

interface Judged {
  verdict: Verdict;
  sim: SimResult;
}

/** What a flush drops, from the flags the model computed (the FLUSH_ORDER field, low byte): undefined when no flags are in play. */
export function scopeOf(model: FlushModel): string | undefined {
  const values = (model.expansion ?? []).flatMap((step) => {
    const m = /^\w+ = (0x[0-9a-f]+)(?: or more)?(?: when .*?)?: /.exec(step);
    return m ? [parseInt(m[1]!, 16)] : [];
  });
  if (values.length === 0) return undefined;
  const orders = values.map((v) => v & 0xff);
  if (orders.includes(0)) return 'whole TLB';
  const order = Math.max(...orders) - 1;
  return order === 0 ? 'one VA' : `order ${order} range`;
}

/** The scenario's inputs as the code gives them, for the reader (explain, JSON). */
function inputsOf(derived: DerivedScenario, model: FlushModel, site: Site, table: PageTypeTable): ScenarioInputs {
  const sources: string[] = [];
  const inputs: ScenarioInputs = { sources };
  if (derived.oldTypes) {
    inputs.oldTypes = derived.oldTypes.map((t) => t.name);
    const ev = (site.evidence ?? []).find((e) => e.oldTypes);
    sources.push(`old types: computed from the conditions on the path over the PGT_* table (${ev?.oldTypes?.table ?? table.source})`);
  }
  const after = (model.notes ?? []).find((n) => n.startsWith(AFTER_LOCAL));
  if (after) {
    inputs.flagsAfterLocal = after.slice(AFTER_LOCAL.length);
    sources.push("flags after the local flush: flush_area_mask's local part, read from its body");
  }
  const scope = scopeOf(model);
  if (scope) {
    inputs.scope = scope;
    sources.push(`scope: the FLUSH_ORDER field of the flags (${model.source})`);
  }
  const filtered =
    derived.spec.kind === 'allocation' || derived.spec.kind === 'deferred-allocation-flush' || (site.evidence ?? []).some((e) => e.steps.some((st) => /tlbflush_filter/.test(st.message)));
  inputs.filtered = filtered;
  sources.push(filtered ? "timestamp filter: the path narrows the mask by the freed pages' stamps (tlbflush_filter)" : 'timestamp filter: none on this path');
  return inputs;
}

/** Why the model cannot tell what an `unknown` flush does. */
function undecidedReason(model: FlushModel): string {
  const said = (model.notes ?? []).find((n) => /not implemented|not known|no definition|too large|several flushes|shown only in part|no remote flush we can model|internal error/.test(n));
  return said ?? 'the flush mechanism cannot be derived from the code in view';
}

function judgeScenario(derived: DerivedScenario, arch: Arch, model: FlushModel, options: JudgeOptions): Judged {
  const spec = derived.spec;
  // A trap is neither a completed flush nor a missing one: nothing after it runs. Said, never an error.
  if (model.mechanism === 'not-implemented') {
    const { trace: _trace, property: _property, failsWhen: _failsWhen, ...sim } = simulateMechanism(derived, model, options);
    const why = undecidedReason(model);
    return {
      verdict: 'inconclusive',
      sim: withFields(sim, { safe: false, trace: [], undecided: why, notes: [...(sim.notes ?? []), `${why}: no flush completes and nothing after it runs, so there is no counterexample to show`] }),
    };
  }
  const scope = scopeOf(model);
  if (spec.kind === 'page-type-change' && scope && scope !== 'whole TLB' && !spec.skipPath) {
    // A type change must drop every mapping of the frame; a flush of one address drops
    // the frame's other mappings on no CPU, whatever its mechanism: simulated as no flush of F.
    const narrowed = simulate(spec, 'none', options);
    if (!narrowed.safe && !narrowed.bound) {
      return {
        verdict: 'narrow-scope',
        sim: {
          ...narrowed,
          notes: [...(narrowed.notes ?? []), `the flush drops ${scope} only: the frame's mappings and translations at other addresses survive it on every CPU (simulated as no flush of F)`],
        },
      };
    }
  }
  if (spec.skipPath) {
    // A path with no flush is a missing flush, not a missing forced IPI: the verdict is the
    // flushed paths', the simulation shows what the skipping path does.
    const flushed = judgeScenario({ ...derived, spec: { ...spec, skipPath: false } }, arch, model, options);
    const skipping = simulateMechanism(derived, model, options);
    if (skipping.safe) return flushed;
    return { verdict: flushed.verdict, sim: withFields(skipping, { failsWhen: 'the owner leaves by the exit path that skips the flush' }) };
  }
  const sim = simulateMechanism(derived, model, options);
  if (sim.bound) return { verdict: 'inconclusive', sim };
  const forced = simulate(spec, 'ipi', options);
  const unforced = simulate(spec, unforcedFlush(arch), options);
  if (forced.bound || unforced.bound) return { verdict: 'inconclusive', sim: withFields(sim, { bound: (forced.bound ?? unforced.bound)! }) };
  if (!sim.safe) {
    // No flush at all on this architecture: not a question of forcing.
    if (model.mechanism === 'none') return { verdict: 'not-applicable', sim };
    // What the code does is not known: never a guessed error.
    if (model.mechanism === 'unknown') return { verdict: 'inconclusive', sim: withFields(sim, { undecided: undecidedReason(model) }) };
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
const PRECEDENCE: readonly Verdict[] = ['missing-forced-ipi', 'narrow-scope', 'inconclusive', 'no-op', 'ok', 'unnecessary-forced-ipi', 'not-applicable'];

/**
 * The verdict for one site on one architecture, decided by simulation: the site's
 * mechanism in every scenario its classes call for, against the same scenarios with a
 * forced IPI and with this architecture's unforced flush. Undefined when the site has no
 * class to simulate.
 */
export function judgeSite(site: Site, arch: Arch, model: FlushModel, options: JudgeOptions): Judged | undefined {
  const scenarios = scenariosFor(site, arch, options);
  if (scenarios.length === 0) return undefined;
  const table = options.pageTypes ?? builtinPageTypes();
  const judged = scenarios.map((s) => {
    const j = judgeScenario(s, arch, model, options);
    const inputs = inputsOf(s, model, site, table);
    const unforced = j.sim.safe ? undefined : unforcedPageTables(j.sim.failsWhen, s, model, table);
    if (unforced?.length) inputs.unforcedOldTypes = unforced;
    return withFields(j, { sim: withFields(j.sim, { inputs }) });
  });
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

/** The page-table types that take the unforced outcome of a conditional flush (the failing run's). */
function unforcedPageTables(failsWhen: string | undefined, derived: DerivedScenario, model: FlushModel, table: PageTypeTable): string[] | undefined {
  if (!derived.oldTypes) return undefined;
  if (model.mechanism === 'conditional' && model.condition) {
    return (oldTypesWhere(model.condition, false, derived.oldTypes, table) ?? []).filter((t) => t.pageTable).map((t) => t.name);
  }
  if (model.mechanism === 'assisted-possible' || failsWhen === undefined) return derived.oldTypes.filter((t) => t.pageTable).map((t) => t.name);
  return undefined;
}
