import type { CallFact, Evidence, EvidenceStep, OldTypes, RootClass, Site, SiteClass } from '../types.js';
import type { CallGraph } from './call-graph.js';
import { conditionalArgument, evaluate, pageTableTest } from './conditions.js';
import { substitute } from '../model/expand.js';
import { archOfPath } from '../model/database.js';
import type { ValuesAtCall } from '../model/def-use.js';
import { callStep, classesOf, siteStep, sortEvidence } from './evidence.js';
import { builtinPageTypes, conjunction, oldTypesWhere, oldTypeTest, typeNames, type PageTypeTable } from './page-types.js';
import type { Roots } from './roots.js';

/**
 * Reachability: a site's classes are those of the roots that reach its
 * function through flush helpers, call site by call site. Each chain carries
 * the arguments that reach the helper (bound to its parameter names, in the
 * root's terms) and the branch conditions on the way; a chain whose
 * conditions are false under those arguments does not reach the site
 * (`filtered_flush_tlb_mask(ts, true)` never runs the `!sync` branch).
 */

/** A chain from a root into a function, not yet including the site. */
interface Chain {
  class: RootClass;
  steps: EvidenceStep[];
  conditions: string[];
  /** The function's parameters bound to what the chain passes. */
  args: Record<string, string>;
}

/** Helpers whose class Xen's callers decide, for when none of them is in view. */
const BUILTIN_HELPER_CLASSES: Readonly<Record<string, RootClass>> = {
  filtered_flush_tlb_mask: 'allocation',
};

/** Enough chains to show every distinct way in; more would only repeat. */
const MAX_CHAINS = 32;

export interface Classification {
  classes: SiteClass[];
  evidence: Evidence[];
  /** No root reached the site: the evidence only says why it is `other`. */
  unreached?: true;
}

export class Classifier {
  private readonly memo = new Map<string, Chain[]>();

  constructor(
    private readonly graph: CallGraph,
    private readonly roots: Roots,
    private readonly pageTypes: PageTypeTable = builtinPageTypes(),
    /** The other ports' graphs, whose callers a common function's `other` reason also lists. */
    private readonly peers: readonly CallGraph[] = [],
  ) {}

  /** The call fact a site was made from, for its label. */
  private callOf(site: Site): CallFact | undefined {
    if (site.function === null) return undefined;
    return this.graph.callees(site.function).find((c) => c.file === site.file && c.line === site.line && c.callee === site.api);
  }

  /** Chains from roots into `fn`; cycles are cut, and only complete results are memoized. */
  private chainsInto(fn: string, visiting: Set<string>): { chains: Chain[]; cut: boolean } {
    const memo = this.memo.get(fn);
    if (memo) return { chains: memo, cut: false };
    const roots = this.roots.of(fn);
    if (roots.length > 0) {
      const chains = roots.map((r) => ({ class: r.class, steps: r.steps, conditions: [], args: {} }));
      this.memo.set(fn, chains);
      return { chains, cut: false };
    }
    if (!this.graph.isHelper(fn)) return { chains: [], cut: false };
    if (visiting.has(fn)) return { chains: [], cut: true };
    visiting.add(fn);
    let cut = false;
    const chains = new Map<string, Chain>();
    for (const call of this.graph.callers(fn)) {
      if (call.caller === null || call.caller === fn) continue;
      const into = this.chainsInto(call.caller, visiting);
      cut ||= into.cut;
      const params = this.graph.params(fn, call.args.length);
      for (const chain of into.chains) {
        const passed = call.args.map((a) => substitute(a, chain.args, 'c'));
        const guards = call.guards.map((g) => substitute(g, chain.args, 'c'));
        if (guards.some((c) => evaluate(c) === false)) continue;
        // A guard the arguments decide is no longer a condition.
        const conditions = [...chain.conditions, ...guards.filter((g) => evaluate(g) !== true)];
        const args: Record<string, string> = {};
        params.forEach((p, i) => {
          if (p && passed[i] !== undefined) args[p] = passed[i]!;
        });
        const next: Chain = { class: chain.class, steps: [...chain.steps, callStep(call, passed)], conditions, args };
        const key = JSON.stringify([next.class, next.steps.map((s) => `${s.file}:${s.line}`), conditions, Object.entries(args)]);
        if (!chains.has(key) && chains.size < MAX_CHAINS) chains.set(key, next);
      }
    }
    visiting.delete(fn);
    const result = [...chains.values()];
    if (!cut) this.memo.set(fn, result);
    return { chains: result, cut };
  }

  /**
   * `values`: the site's guards and arguments read through what their variables hold
   * at the call (def-use.ts); the guards as written stay the evidence's conditions.
   */
  classify(site: Site, values?: ValuesAtCall): Classification {
    const call = this.callOf(site);
    const verb = site.kind === 'call' ? 'flushes' : `uses ${site.api}`;
    const chains = site.function === null ? [] : this.chainsInto(site.function, new Set()).chains;
    const evidence: Evidence[] = [];
    const readGuards = values && values.guards.length === site.guards.length ? values.guards : site.guards;
    const valueNotes = values && Object.keys(values.values).length ? { values: values.values } : {};
    let unreachable = 0;
    for (const chain of chains) {
      const guards = site.guards.map((g) => substitute(g, chain.args, 'c'));
      const read = readGuards.map((g) => substitute(g, chain.args, 'c'));
      if (read.some((c) => evaluate(c) === false) || guards.some((c) => evaluate(c) === false)) {
        unreachable++;
        continue;
      }
      const conditions = [...chain.conditions, ...guards.filter((g) => evaluate(g) !== true)];
      const readConditions = [...chain.conditions, ...read.filter((g) => evaluate(g) !== true)];
      let cls: SiteClass = chain.class;
      let how = verb;
      let oldTypes: OldTypes | undefined;
      const pushedForcing = new Set<string>();
      if (cls === 'page-type-change') {
        // Which old types reach this call, computed over the PGT_* table.
        const test = readConditions.length ? oldTypeTest(conjunction(readConditions), this.pageTypes) : undefined;
        const args = (values?.args ?? site.args ?? []).map((a) => substitute(a, chain.args, 'c'));
        const forcing = args.map(conditionalArgument).find((c) => c && pageTableTest(c.condition, this.pageTypes) === 'holds');
        const reach = test ? test.reach : this.pageTypes.types;
        oldTypes = { input: test?.input ?? "the page's type", reach: reach.map((t) => t.name), table: this.pageTypes.source };
        const tables = reach.filter((t) => t.pageTable);
        const read = test ? ` (${test.input} & PGT_type_mask: ${typeNames(reach)})` : '';
        // The variables the type test reads, when they hold something else than their name says.
        const reads = (k: string): boolean => site.guards.some((g) => /PGT_/.test(g) && new RegExp(`\\b${k}\\b`).test(g));
        const holding = Object.entries(values?.values ?? {})
          .filter(([k]) => reads(k))
          .map(([k, v]) => `; ${k} holds ${v} here`)
          .join('');
        if (test && test.reach.length === 0) {
          how = `${verb}; no old type reaches it: its conditions never hold together${holding}`;
        } else if (test?.verdict === 'fails') {
          cls = 'other';
          how = `${verb} when the old type was not a page-table type${read}: no page-table page changes type here`;
        } else if (test?.verdict === 'holds') {
          how = `${verb} when the old type was a page-table type${read}`;
        } else if (forcing) {
          conditions.push(forcing.condition);
          pushedForcing.add(forcing.condition);
          const unforced = (oldTypesWhere(forcing.condition, false, reach, this.pageTypes) ?? []).filter((t) => t.pageTable);
          const forced = oldTypesWhere(forcing.condition, true, reach, this.pageTypes) ?? [];
          how = `${verb}, choosing its flags on whether the old type was a page-table type: forced for ${typeNames(forced) || 'no old type'}${unforced.length ? `; page-table types ${typeNames(unforced)} get the unforced flags` : ''}`;
        } else if (test) {
          how = `${verb} for old types ${typeNames(reach)}: page-table types ${typeNames(tables)} among them${holding}`;
        }
      }
      // A bookkeeping use that is itself the root's last step needs no second step.
      const last = chain.steps[chain.steps.length - 1];
      const repeats = site.kind !== 'call' && last !== undefined && last.file === site.file && last.line === site.line;
      evidence.push({
        class: cls,
        steps: repeats ? chain.steps : [...chain.steps, siteStep(site, call?.label, how)],
        ...(conditions.length > 0 ? { conditions } : {}),
        ...(Object.keys(chain.args).length > 0 ? { args: chain.args } : {}),
        ...(readConditions.join('\u0000') !== conditions.filter((c) => !pushedForcing.has(c)).join('\u0000') ? { conditionsRead: readConditions } : {}),
        ...valueNotes,
        ...(oldTypes ? { oldTypes } : {}),
      });
    }
    // A hunk whose header names no function (plain `diff -u`) still shows the
    // freed-page bookkeeping when the flush is guarded by `need_tlbflush`.
    if (evidence.length === 0 && site.function === null && site.kind === 'call') {
      const guard = site.guards.find((g) => /\bneed_tlbflush\b/.test(g));
      if (guard)
        evidence.push({
          class: 'allocation',
          steps: [siteStep(site, call?.label, `${verb} under \`${guard}\`, the freed-page TLB bookkeeping of an allocator (the enclosing function is not in view)`)],
          conditions: site.guards,
        });
    }
    // A helper whose callers are all out of view: Xen's own callers name its class.
    if (evidence.length === 0 && site.function !== null && unreachable === 0) {
      const cls = BUILTIN_HELPER_CLASSES[site.function];
      const callers = this.graph.callers(site.function).filter((c) => c.caller !== null && c.caller !== site.function);
      if (cls && callers.length === 0) {
        evidence.push({
          class: cls,
          steps: [
            siteStep(
              site,
              call?.label,
              `${verb}; ${site.function} is the allocators' filtered flush (built-in knowledge of Xen: alloc_heap_pages and populate_physmap call it; none of its callers is in view)`,
            ),
          ],
          ...(site.guards.length ? { conditions: site.guards } : {}),
        });
      }
    }
    let unreached = false;
    if (evidence.length === 0) {
      unreached = true;
      const why = this.whyOther(site, unreachable);
      evidence.push({
        class: 'other',
        steps: [siteStep(site, call?.label, `${verb}; ${why.text}`)],
        ...(site.guards.length ? { conditions: site.guards } : {}),
        ...(why.incomplete ? { incomplete: true } : {}),
      });
    }
    const sorted = sortEvidence(evidence);
    return { classes: classesOf(sorted), evidence: sorted, ...(unreached ? { unreached: true as const } : {}) };
  }

  private whyOther(site: Site, unreachable: number): { text: string; incomplete?: boolean } {
    if (unreachable > 0) return { text: 'the roots that reach it pass arguments under which this branch does not run' };
    if (site.function === null) return { text: 'at file scope, or in a function the hunk does not name', incomplete: true };
    const fn = site.function;
    if (!this.graph.isHelper(fn)) return { text: `${fn} is neither a root nor a flush helper, so no page-type change, allocation or MEMF_no_tlbflush owner reaches it` };
    const callers = [
      ...new Set(
        // A common function is called from every port; a port's own, only from its port.
        [this.graph, ...(archOfPath(site.file) === 'common' ? this.peers : [])]
          .flatMap((g) => g.callers(fn))
          .map((c) => c.caller)
          .filter((c): c is string => c !== null),
      ),
    ];
    // An inline helper or macro exists to be called: its class is its callers'. A
    // plain function with no caller in view is judged on what it is.
    const isHelperDefinition = this.graph.definitions(fn).some((d) => d.form === 'inline-function' || d.form === 'function-macro' || d.form === 'object-macro' || d.form === 'macro-expansion');
    if (callers.length === 0) return { text: `no caller of ${fn} is in view`, ...(isHelperDefinition ? { incomplete: true } : {}) };
    const shown = callers.slice(0, 6).join(', ');
    return { text: `${fn} is reached from ${shown}${callers.length > 6 ? `, … (${callers.length} callers)` : ''}, none of which changes a page type, allocates or owes a deferred flush` };
  }
}
