import type { Deferral, DeferredRelease, EvidenceStep, FlowGraph, FlowNode, FunctionFacts, Site } from '../types.js';
import { deferralByMarker, type DeferralMechanism } from '../xen/deferrals.js';
import { pageReleaseOf } from '../xen/page-release.js';
import type { CallGraph } from './call-graph.js';
import { noTlbflushDebt, pathTo, unpaidReach, type Reached } from './obligations.js';

/**
 * Pages released while a deferred flush is still owed (FC011). A deferral
 * (src/xen/deferrals.ts) opens at a site; from the work whose flush it holds
 * back (the allocation for MEMF_no_tlbflush, a p2m or IOMMU update for the
 * others), FC003's debt walk (obligations.ts) runs to every page release
 * (src/xen/page-release.ts) it reaches without passing a payment. One function
 * at a time: a deferral opened in a caller, or a release inside a callee, is
 * not seen.
 */

type Step = { node: number; branch?: string };

const mentions = (text: string, name: string): boolean => new RegExp(`(?<![\\w>.])${name}\\b`).test(text);

/** The identifier a page argument starts from: `&pg[i]` → `pg`, `mfn_to_page(mfn)` → undefined. */
const rootVariable = (page: string): string | undefined => /^[&*(\s]*([A-Za-z_]\w*)\s*(?:\[[^\]]*\])?\s*\)*$/.exec(page)?.[1];

function steps(fn: FunctionFacts, flow: FlowGraph, path: readonly Step[], describe: (node: FlowNode, index: number) => string | undefined): EvidenceStep[] {
  return path.flatMap(({ node: id, branch }, i) => {
    const node = flow.nodes[id]!;
    if (node.kind === 'entry' || node.kind === 'exit') return [];
    const message = describe(node, i) ?? (node.kind === 'branch' ? `${node.text}${branch ? ` → ${branch}` : ''}` : node.text);
    return [{ file: fn.file, line: node.line, function: fn.name, message }];
  });
}

/** The releases reached from `from` (the work whose flush is owed) before a payment, each once. */
function releasesReached(
  flow: FlowGraph,
  reached: Reached,
  paid: (node: FlowNode) => boolean,
  keep: (release: { call: string; page: string }) => boolean,
): { node: FlowNode; call: string; page: string }[] {
  const out: { node: FlowNode; call: string; page: string }[] = [];
  for (const id of reached.keys()) {
    const node = flow.nodes[id]!;
    if (paid(node)) continue;
    for (const r of node.releases ?? []) if (keep(r)) out.push({ node, ...r });
  }
  return out;
}

function release(fn: FunctionFacts, node: FlowNode, call: string, page: string, path: EvidenceStep[]): DeferredRelease {
  return { file: fn.file, line: node.line, function: fn.name, call, page, text: node.text, path };
}

/** An allocation whose pages have no owner: `alloc_domheap_pages(NULL, …)`, `MEMF_no_owner`, the xenheap. */
function anonymousAllocation(node: FlowNode): boolean {
  return (node.callArgs ?? []).some(
    (c) => /^alloc_xenheap_pages?$/.test(c.name) || (/^alloc_domheap_pages?$/.test(c.name) && (c.args[0] === 'NULL' || c.args.some((a) => /\bMEMF_no_owner\b/.test(a)))),
  );
}

/** MEMF_no_tlbflush: the pages the allocation handed out, released before the flush family pays. */
function noTlbflushReleases(site: Site, graph: CallGraph, mechanism: DeferralMechanism): Deferral | undefined {
  const debt = noTlbflushDebt(site, graph);
  if (!debt) return undefined;
  const { owner, flow, allocations, settles } = debt;
  // The pages at stake: what the allocation was assigned to, and what the bookkeeping stamps.
  const pages = new Set<string>();
  for (const node of flow.nodes) {
    if (node.allocates && node.freshPage) pages.add(node.freshPage);
    for (const c of node.callArgs ?? []) if (node.accumulates && c.name === 'accumulate_tlbflush' && c.args[1]) pages.add(rootVariable(c.args[1]) ?? '');
  }
  pages.delete('');
  const found = new Map<string, DeferredRelease>();
  for (const start of allocations)
    for (const page of [...pages].sort()) {
      // A page with an owner goes back to the heap with a new TLB-flush stamp, which covers the
      // old debt; an anonymous one gets none, and a pool takes pages without any.
      const anonymous = anonymousAllocation(start);
      // The walk for one page stops where its variable is assigned again: from there it names another page.
      const reached = unpaidReach(flow, start.id, (node) => settles(node) || (node.id !== start.id && !!node.assigns?.includes(page)));
      // A page that is not one the allocation handed out is not this debt's (never over-claim).
      for (const r of releasesReached(flow, reached, settles, (r) => mentions(r.page, page) && (anonymous || pageReleaseOf(r.call)?.kind === 'pool'))) {
        const key = `${r.node.id}:${r.call}`;
        if (found.has(key)) continue;
        const path = steps(owner, flow, pathTo(reached, r.node.id), (node, i) =>
          i === 0 ? `allocates with MEMF_no_tlbflush: ${node.text}` : node.id === r.node.id ? `releases ${r.page} before the flush: ${node.text}` : undefined,
        );
        found.set(key, release(owner, r.node, r.call, r.page, path));
      }
    }
  return deferral(mechanism, owner, found);
}

/** A window opened by a statement (IOMMU don't-flush flag, p2m defer_flush): releases after a deferred update and before a payment. */
function windowReleases(site: Site, graph: CallGraph, mechanism: DeferralMechanism): Deferral | undefined {
  const owner = graph.definitions(site.function!).find((d) => d.flow && d.file === site.file && d.line <= site.line && (d.endLine === 0 || site.line <= d.endLine));
  const flow = owner?.flow;
  if (!owner || !flow) return undefined;
  const openers = flow.nodes.filter((n) => n.line === site.line && n.opensDeferral?.includes(mechanism.id));
  if (openers.length === 0) return undefined;
  const pays = (node: FlowNode): boolean => node.calls.some((c) => mechanism.pays.includes(c));
  const defers = (node: FlowNode): boolean => node.calls.some((c) => mechanism.defers.includes(c));
  // A page taken fresh from an allocator and never handed to a deferred update was never mapped by it.
  const freshPages = new Set(flow.nodes.flatMap((n) => (n.freshPage ? [n.freshPage] : [])));
  const updateArgs = flow.nodes.flatMap((n) => (n.callArgs ?? []).filter((c) => mechanism.defers.includes(c.name)).flatMap((c) => c.args));
  const neverMapped = (page: string): boolean => {
    const root = rootVariable(page);
    return !!root && freshPages.has(root) && !updateArgs.some((a) => mentions(a, root));
  };
  const found = new Map<string, DeferredRelease>();
  for (const opener of openers) {
    const toUpdates = unpaidReach(flow, opener.id, pays);
    // Updates in the order the walk met them: the first one that reaches a release gives the shortest story.
    const updates = [opener.id, ...toUpdates.keys()].map((id) => flow.nodes[id]!).filter((n) => defers(n) && !pays(n));
    for (const update of updates) {
      const unpaid = unpaidReach(flow, update.id, pays);
      for (const candidate of releasesReached(flow, unpaid, pays, (r) => !neverMapped(r.page))) {
        const key = `${candidate.node.id}:${candidate.call}`;
        if (found.has(key)) continue;
        // A page variable assigned again on every way there names a page taken after the update.
        const root = rootVariable(candidate.page);
        const reached = root ? unpaidReach(flow, update.id, (n) => pays(n) || (n.id !== candidate.node.id && !!n.assigns?.includes(root))) : unpaid;
        if (!reached.has(candidate.node.id)) continue;
        const r = candidate;
        const head = update.id === opener.id ? [{ node: opener.id }] : pathTo(toUpdates, update.id);
        const path = steps(owner, flow, [...head, ...pathTo(reached, r.node.id).slice(1)], (node, i) => {
          if (i === 0) return `opens the deferral: ${node.text}`;
          if (node.id === update.id) return `updates a mapping whose flush is deferred: ${node.text}`;
          if (node.id === r.node.id) return `releases ${r.page} before the flush: ${node.text}`;
          return undefined;
        });
        found.set(key, release(owner, r.node, r.call, r.page, path));
      }
    }
  }
  return deferral(mechanism, owner, found);
}

function deferral(mechanism: DeferralMechanism, owner: FunctionFacts, found: Map<string, DeferredRelease>): Deferral {
  return { mechanism: mechanism.id, owner: owner.name, flush: mechanism.flush, releases: [...found.values()].sort((a, b) => a.line - b.line || (a.call < b.call ? -1 : 1)) };
}

/** The deferral a site opens, with the pages released while its flush is owed; undefined when the site opens none in view. */
export function deferralAt(site: Site, graph: CallGraph): Deferral | undefined {
  const mechanism = deferralByMarker(site.api);
  if (!mechanism || site.function === null || site.kind === 'definition') return undefined;
  return mechanism.opens ? windowReleases(site, graph, mechanism) : noTlbflushReleases(site, graph, mechanism);
}
