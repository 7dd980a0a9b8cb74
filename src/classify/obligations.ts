import type { EvidenceStep, FlowGraph, FlowNode, FunctionFacts, Location, Obligation, Site } from '../types.js';
import type { CallGraph } from './call-graph.js';

/**
 * Deferred-flush obligations: a function that allocates with
 * `MEMF_no_tlbflush` owes the flush the allocator skipped, on every path from
 * the allocation to its exit. The check walks the owner's control-flow graph
 * breadth first from each allocation, stopping at nodes that flush (a call
 * to the flush API or a helper on it, or `if ( need_tlbflush )` around one: when the flag is
 * clear nothing is owed); reaching the exit is a path that skips the flush,
 * and the first such path found is a shortest one.
 */

const locationOf = (fn: FunctionFacts, node: FlowNode): Location => ({ file: fn.file, line: node.line, function: fn.name });

function pathSteps(fn: FunctionFacts, flow: FlowGraph, path: readonly { node: number; branch?: string }[]): EvidenceStep[] {
  const steps: EvidenceStep[] = [];
  path.forEach(({ node: id, branch }, i) => {
    const node = flow.nodes[id]!;
    if (node.kind === 'exit') {
      const last = steps[steps.length - 1];
      if (!last?.message.startsWith('returns')) steps.push({ file: fn.file, line: last?.line ?? fn.line, function: fn.name, message: `leaves ${fn.name} without flushing` });
      return;
    }
    let message: string;
    if (i === 0) message = node.accumulates ? `accumulates the flush it owes: ${node.text}` : `allocates with MEMF_no_tlbflush: ${node.text}`;
    else if (node.kind === 'return') message = `returns without flushing: ${node.text}`;
    else if (node.kind === 'branch') message = `${node.text}${branch ? ` → ${branch}` : ''}`;
    else message = node.text;
    steps.push({ file: fn.file, line: node.line, function: fn.name, message });
  });
  return steps;
}

/** How a node was reached: from which node, along which branch. */
export type Reached = Map<number, { from: number; branch?: string }>;

/**
 * The debt check shared by every deferred flush (FC003 to the exit, FC011 to a
 * page release): breadth first from `start`, never past a node that `pays`
 * (`onPaid` hears of each). Every node reached maps to the node it was first
 * reached from, so the chain back from any of them is a shortest unpaid path.
 */
export function unpaidReach(flow: FlowGraph, start: number, pays: (node: FlowNode) => boolean, onPaid?: (node: FlowNode) => void): Reached {
  const parent: Reached = new Map();
  const seen = new Set([start]);
  const frontier = [start];
  while (frontier.length > 0) {
    const id = frontier.shift()!;
    for (const edge of flow.nodes[id]!.next) {
      if (seen.has(edge.to)) continue;
      seen.add(edge.to);
      parent.set(edge.to, { from: id, ...(edge.branch ? { branch: edge.branch } : {}) });
      const node = flow.nodes[edge.to]!;
      if (pays(node)) {
        onPaid?.(node);
        continue;
      }
      frontier.push(edge.to);
    }
  }
  return parent;
}

/** The path from the start to `target` (reached), each node with the branch taken out of it. */
export function pathTo(parent: Reached, target: number): { node: number; branch?: string }[] {
  const ids: number[] = [];
  for (let at: number | undefined = target; at !== undefined; at = parent.get(at)?.from) ids.unshift(at);
  return ids.map((node, i) => {
    const branch = i + 1 < ids.length ? parent.get(ids[i + 1]!)?.branch : undefined;
    return { node, ...(branch ? { branch } : {}) };
  });
}

/** The debt a `MEMF_no_tlbflush` site makes, on its owner's graph: where it starts and what pays it. */
export interface NoTlbflushDebt {
  owner: FunctionFacts;
  flow: FlowGraph;
  /** Allocations passed the flags, reachable from the setter, by line. */
  allocations: FlowNode[];
  /** Where FC003's check starts: the bookkeeping, else the allocations, else the setters. */
  starts: FlowNode[];
  settles: (node: FlowNode) => boolean;
}

/**
 * The `memf-no-tlbflush` entry of src/xen/deferrals.ts, read from the code:
 * it opens where the flag is set or passed, the allocation does the work whose
 * flush is owed, and the flush family pays (FC003 to the exit, FC011 before a release).
 */
export function noTlbflushDebt(site: Site, graph: CallGraph): NoTlbflushDebt | undefined {
  if (site.api !== 'MEMF_no_tlbflush' || site.function === null) return undefined;
  const owner = graph.definitions(site.function).find((d) => d.flow && d.file === site.file && d.noTlbflushSets.some((s) => s.line === site.line));
  const flow = owner?.flow;
  if (!owner || !flow) return undefined;

  // The owed flush is a call into the flush API or a helper on it; a function
  // that flushes for its own reasons (p2m updates) does not pay this debt.
  const flushes = (name: string): boolean => graph.isHelper(name);
  const settles = (node: FlowNode): boolean => node.calls.some(flushes) || (node.settlesIfCalls ?? []).some(flushes);

  // The debt is real once the pages' stamps are accumulated (a failed allocation
  // owes nothing); without that bookkeeping, from the allocation; else from the setter.
  const setters = flow.nodes.filter((n) => n.setsNoTlbflush && n.line === site.line);
  // `return alloc(..., MEMF_no_tlbflush)` hands the pages, and the flush they
  // are owed, to the caller: the debt is the caller's (as alloc_domheap_pages
  // passes its memflags on).
  if (setters.length > 0 && setters.every((n) => n.kind === 'return')) return undefined;
  const reach = new Set<number>();
  const queue = setters.map((n) => n.id);
  while (queue.length > 0) {
    const id = queue.shift()!;
    if (reach.has(id)) continue;
    reach.add(id);
    for (const e of flow.nodes[id]!.next) queue.push(e.to);
  }
  const byLine = (a: FlowNode, b: FlowNode): number => a.line - b.line || a.id - b.id;
  const allocations = flow.nodes.filter((n) => reach.has(n.id) && n.allocates && !settles(n)).sort(byLine);
  const accumulations = flow.nodes.filter((n) => reach.has(n.id) && n.accumulates && !settles(n)).sort(byLine);
  const starts = accumulations.length > 0 ? accumulations : allocations.length > 0 ? allocations : setters.sort(byLine);
  return { owner, flow, allocations: allocations.length > 0 ? allocations : setters.sort(byLine), starts, settles };
}

/** The flush owed by a `MEMF_no_tlbflush` site, when its owner's whole body is in view. */
export function obligationFor(site: Site, graph: CallGraph): Obligation | undefined {
  const debt = noTlbflushDebt(site, graph);
  if (!debt) return undefined;
  const { owner, flow, starts, settles } = debt;
  const allocation = debt.allocations[0];

  const flushedAt = new Map<string, Location>();
  let missingPath: EvidenceStep[] | undefined;
  for (const start of starts) {
    const parent = unpaidReach(flow, start.id, settles, (node) => flushedAt.set(`${node.line}`, locationOf(owner, node)));
    if (parent.has(flow.exit) && !missingPath) {
      missingPath = pathSteps(owner, flow, pathTo(parent, flow.exit));
      // The chain starts where the debt was made: the allocation, then the bookkeeping.
      if (allocation && allocation.id !== start.id)
        missingPath.unshift({ file: owner.file, line: allocation.line, function: owner.name, message: `allocates with MEMF_no_tlbflush: ${allocation.text}` });
    }
  }
  return {
    owner: owner.name,
    flushedAt: [...flushedAt.values()].sort((a, b) => a.line - b.line),
    ...(missingPath ? { missingPath } : {}),
  };
}
