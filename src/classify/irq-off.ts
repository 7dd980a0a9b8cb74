import type { EvidenceStep, FlowGraph, FunctionFacts, IrqOffCall, IrqOffContext, Site } from '../types.js';
import { BOOT_PHASES_SOURCE, bootOnlyPhases, phaseNames } from '../xen/boot-phases.js';
import type { BodyCall } from './cfg.js';

/**
 * Interrupts-off regions on a function's control-flow graph (cfg.ts): a
 * forward "may" data flow whose facts are the disables still open on some
 * path. `local_irq_disable()` and `spin_lock_irq(l)` open one that only an
 * enable (`local_irq_enable()`, `spin_unlock_irq(l)`) closes, and an enable
 * closes every one (it turns interrupts on whatever happened before);
 * `local_irq_save(f)` and `spin_lock_irqsave(l, f)` open one keyed by the
 * flags variable that the matching restore closes (an outer disable stays
 * open); `ASSERT(!local_irq_is_enabled())` opens one too. Every call made
 * while one is open is recorded with the disable that opened it, as plain
 * data for the classifier.
 */

/** Callee → where the flags variable is among its arguments (undefined: no flags, enables or disables everything). */
const DISABLES: ReadonlyMap<string, number | undefined> = new Map([
  ['local_irq_disable', undefined],
  ['spin_lock_irq', undefined],
  ['read_lock_irq', undefined],
  ['write_lock_irq', undefined],
  ['local_irq_save', 0],
  ['spin_lock_irqsave', 1],
  ['read_lock_irqsave', 1],
  ['write_lock_irqsave', 1],
  ['rspin_lock_irqsave', 1],
  ['nrspin_lock_irqsave', 1],
]);
const ENABLES: ReadonlyMap<string, number | undefined> = new Map([
  ['local_irq_enable', undefined],
  ['spin_unlock_irq', undefined],
  ['read_unlock_irq', undefined],
  ['write_unlock_irq', undefined],
  ['local_irq_restore', 0],
  ['spin_unlock_irqrestore', 1],
  ['read_unlock_irqrestore', 1],
  ['write_unlock_irqrestore', 1],
  ['rspin_unlock_irqrestore', 1],
  ['nrspin_unlock_irqrestore', 1],
]);

/** Cheap test on a body's text (a disable, or an enable that says interrupts were off): only such bodies get a graph. */
export const MAY_DISABLE_IRQS = /\b(?:local_irq_(?:disable|save|enable|restore)|\w*lock_irq(?:save|restore)?|local_irq_is_enabled)\s*\(/;

/** Open disables: token (`irq` or `flags:<var>`) → the disabling call (the first to reach a join). */
type Open = Map<string, { line: number; text: string }>;

const tokenOf = (table: ReadonlyMap<string, number | undefined>, call: BodyCall): string | undefined => {
  if (!table.has(call.name)) return undefined;
  const at = table.get(call.name);
  return at === undefined ? 'irq' : `flags:${call.args[at] ?? '?'}`;
};

/** `ASSERT(!local_irq_is_enabled())`: the author states interrupts are off from here. */
const assertsOff = (call: BodyCall): boolean => call.name === 'ASSERT' && /^!\s*local_irq_is_enabled\s*\(\s*\)$/.test(call.args[0] ?? '');

function apply(open: Open, call: BodyCall, line: number): void {
  if (assertsOff(call) && !open.has('irq')) open.set('irq', { line, text: `ASSERT(${call.args[0]})` });
  const on = tokenOf(ENABLES, call);
  if (on === 'irq') open.clear();
  else if (on) open.delete(on);
  const off = tokenOf(DISABLES, call);
  if (off && !open.has(off)) open.set(off, { line, text: `${call.name}(${call.args.join(', ')})` });
}

/**
 * Open disables tracked per node: a body with thousands of distinct flags
 * variables would otherwise cost time and memory quadratic in its size. Past
 * the bound a region can only be missed, never invented.
 */
const MAX_OPEN = 16;

/** Adds what `into` lacks; a token already there keeps its first disable, so each node changes at most MAX_OPEN times. */
function merge(into: Open, from: Open): boolean {
  let changed = false;
  for (const [token, at] of from) {
    if (into.has(token) || into.size >= MAX_OPEN) continue;
    into.set(token, at);
    changed = true;
  }
  return changed;
}

/**
 * The calls of one function that may run with interrupts off. `calls` are the
 * body's calls with their lines; the graph's nodes own the calls on their line
 * that they name.
 */
export function irqOffCalls(flow: FlowGraph, calls: readonly (BodyCall & { line: number })[]): IrqOffCall[] {
  // By line first: a body with thousands of calls must not be scanned once per node.
  const byLine = new Map<number, (BodyCall & { line: number })[]>();
  for (const c of calls) byLine.set(c.line, [...(byLine.get(c.line) ?? []), c]);
  const byNode = flow.nodes.map((node) => (byLine.get(node.line) ?? []).filter((c) => node.calls.includes(c.name)).sort((a, b) => a.start - b.start));
  const entry = new Map<number, Open>([[flow.entry, new Map()]]);
  const queue = [flow.entry];
  const queued = new Set(queue);
  while (queue.length > 0) {
    const id = queue.shift()!;
    queued.delete(id);
    const open: Open = new Map(entry.get(id));
    for (const call of byNode[id]!) apply(open, call, flow.nodes[id]!.line);
    for (const edge of flow.nodes[id]!.next) {
      const fresh = !entry.has(edge.to);
      const target = entry.get(edge.to) ?? new Map();
      if (fresh) entry.set(edge.to, target);
      if ((merge(target, open) || fresh) && !queued.has(edge.to)) {
        queue.push(edge.to);
        queued.add(edge.to);
      }
    }
  }
  const out = new Map<string, IrqOffCall>();
  flow.nodes.forEach((node, id) => {
    const open: Open = new Map(entry.get(id));
    for (const call of byNode[id]!) {
      const first = [...open.values()].sort((a, b) => a.line - b.line)[0];
      if (first && !DISABLES.has(call.name) && !ENABLES.has(call.name) && !assertsOff(call)) {
        const key = `${call.name}:${node.line}`;
        if (!out.has(key)) out.set(key, { callee: call.name, line: node.line, offLine: first.line, offText: first.text });
      }
      apply(open, call, node.line);
    }
  });
  // A call no open disable reaches, but from which an enable is reachable before any matching
  // disable: interrupts were off when it ran, turned off where the code in view does not show
  // (above a hunk, in a caller that takes the lock the function drops, by the hardware).
  for (const [id, pending] of pendingEnables(flow, byNode)) {
    const node = flow.nodes[id]!;
    const later: Open = new Map(pending);
    for (const call of [...byNode[id]!].reverse()) {
      const first = [...later.values()].sort((a, b) => a.line - b.line)[0];
      const key = `${call.name}:${node.line}`;
      if (first && !DISABLES.has(call.name) && !ENABLES.has(call.name) && !out.has(key)) {
        out.set(key, { callee: call.name, line: node.line, offLine: first.line, offText: first.text, inferred: true });
      }
      unapply(later, call, node.line);
    }
  }
  return [...out.values()].sort((a, b) => a.line - b.line || (a.callee < b.callee ? -1 : 1));
}

/** Backwards through one call: a disable settles the enable it pairs with, an enable is pending before it. */
function unapply(later: Open, call: BodyCall, line: number): void {
  const off = tokenOf(DISABLES, call);
  if (off) later.delete(off);
  const on = tokenOf(ENABLES, call);
  if (on && !later.has(on)) later.set(on, { line, text: `${call.name}(${call.args.join(', ')})` });
}

/** Per node, the enables reachable after it (leaving the node) before a disable that pairs with them. */
function pendingEnables(flow: FlowGraph, byNode: readonly BodyCall[][]): Map<number, Open> {
  const preds = flow.nodes.map(() => [] as number[]);
  for (const node of flow.nodes) for (const e of node.next) preds[e.to]!.push(node.id);
  const after = new Map<number, Open>(flow.nodes.map((n) => [n.id, new Map()]));
  const queue = flow.nodes.map((n) => n.id).reverse();
  const queued = new Set(queue);
  while (queue.length > 0) {
    const id = queue.shift()!;
    queued.delete(id);
    const before: Open = new Map(after.get(id));
    for (const call of [...byNode[id]!].reverse()) unapply(before, call, flow.nodes[id]!.line);
    for (const p of preds[id]!) {
      if (merge(after.get(p)!, before) && !queued.has(p)) {
        queue.push(p);
        queued.add(p);
      }
    }
  }
  return after;
}

const step = (fn: FunctionFacts, line: number, message: string): EvidenceStep => ({ file: fn.file, line, function: fn.name, message });

/** The part of the call graph (call-graph.ts) this module reads; structural, so summarize.ts can import this file. */
interface FunctionIndex {
  functionNames(): string[];
  definitions(name: string): readonly FunctionFacts[];
}

/** Callers that call a function with interrupts off, per callee; built once per graph. */
const callersOff = new WeakMap<FunctionIndex, Map<string, { fn: FunctionFacts; call: IrqOffCall }[]>>();

function offCallers(graph: FunctionIndex, callee: string): { fn: FunctionFacts; call: IrqOffCall }[] {
  let index = callersOff.get(graph);
  if (!index) {
    index = new Map();
    for (const name of graph.functionNames()) {
      for (const fn of graph.definitions(name)) for (const call of (fn.irqOffCalls ?? []).filter((c) => !c.inferred)) index.set(call.callee, [...(index.get(call.callee) ?? []), { fn, call }]);
    }
    callersOff.set(graph, index);
  }
  return index.get(callee) ?? [];
}

/**
 * A call whose own guards on `system_state` (value analysis over the phase
 * table, src/xen/boot-phases.ts) let it run only in boot phases: interrupts are
 * off there and the boot CPU runs alone. `if ( system_state >= SYS_STATE_active )`
 * and its rewrites keep a call out; `< SYS_STATE_active` and `== SYS_STATE_early_boot` put it in.
 */
export function bootPhaseOf(site: Pick<Site, 'file' | 'line' | 'function' | 'text' | 'guards'>): IrqOffContext | undefined {
  const phases = bootOnlyPhases(site.guards);
  if (!phases) return undefined;
  const guard = site.guards.filter((g) => /\bsystem_state\b/.test(g)).join(' && ');
  const at = { file: site.file, line: site.line, function: site.function };
  return {
    via: 'boot-phase',
    phases: phases.map((p) => p.name),
    guard,
    steps: [
      { ...at, message: `runs only while system_state is ${phaseNames(phases)} (${guard}): before SMP bring-up interrupts are off and only the boot CPU runs (phases: ${BOOT_PHASES_SOURCE})` },
      { ...at, message: `flushes: ${site.text}` },
    ],
  };
}

/**
 * Whether a flush call may run with interrupts off: in its own function (a
 * path from a disable reaches it), in a boot phase its guards choose, or else because a caller calls its function
 * with interrupts off (one level up: the first such caller, in graph order).
 */
export function irqOffAt(site: Site, graph: FunctionIndex): IrqOffContext | undefined {
  if (site.kind !== 'call' || site.function === null) return undefined;
  const own = graph.definitions(site.function).filter((d) => d.file === site.file && d.line <= site.line && (d.endLine === 0 || site.line <= d.endLine));
  for (const fn of own) {
    const call = (fn.irqOffCalls ?? []).find((c) => c.line === site.line && c.callee === site.api);
    if (call?.inferred) {
      return {
        via: 'later-enable',
        steps: [step(fn, site.line, `flushes: ${site.text}`), step(fn, call.offLine, `then turns interrupts on with no disable in view before it (so they were off at the flush): ${call.offText}`)],
      };
    }
    if (call) {
      return {
        via: 'function',
        steps: [step(fn, call.offLine, `interrupts go off: ${call.offText}`), step(fn, site.line, `flushes before the matching enable on some path: ${site.text}`)],
      };
    }
  }
  const boot = bootPhaseOf(site);
  if (boot) return boot;
  const caller = offCallers(graph, site.function).find(({ fn }) => fn.name !== site.function);
  if (!caller) return undefined;
  const { fn, call } = caller;
  return {
    via: 'caller',
    steps: [
      step(fn, call.offLine, `interrupts go off: ${call.offText}`),
      step(fn, call.line, `calls ${site.function} before the matching enable on some path`),
      { file: site.file, line: site.line, function: site.function, message: `flushes: ${site.text}` },
    ],
  };
}
