import type { Arch, CallFact, FileFacts, FunctionFacts, Side } from '../types.js';
import { ARCHES } from '../types.js';
import { archOfPath } from '../model/database.js';
import { expandGenerators } from './macros.js';

/**
 * The call graph of one side of the code in view: functions, function-like
 * macros and macro-generated functions as nodes, calls (with their arguments
 * and guards) as edges. It knows which functions reach a flush and which are
 * flush helpers: the flush family (the API and the macros and inline functions
 * built on it) plus thin wrappers, whose every flushing callee is a helper.
 * Classes travel from roots into helpers only; a function that flushes for its
 * own reasons (p2m, shadow, grant code) does not inherit its caller's class.
 */

/** A wrapper longer than this is doing more than flushing. */
export const THIN_WRAPPER_STATEMENTS = 12;

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const byPlace = (a: CallFact, b: CallFact): number => cmp(a.file, b.file) || a.line - b.line || a.column - b.column || cmp(a.callee, b.callee);

export class CallGraph {
  readonly side: Side;
  readonly family: ReadonlySet<string>;
  private readonly functions = new Map<string, FunctionFacts[]>();
  private readonly callsTo = new Map<string, CallFact[]>();
  private readonly callsFrom = new Map<string, CallFact[]>();
  private readonly calleeNames = new Map<string, Set<string>>();
  private readonly callerNames = new Map<string, Set<string>>();
  private flushReaching?: Set<string>;
  private wrappers?: Set<string>;

  private isRoot: (name: string) => boolean = () => false;

  constructor(side: Side, facts: readonly FileFacts[], family: ReadonlySet<string>) {
    this.side = side;
    this.family = family;
    const generated = expandGenerators(
      facts.flatMap((f) => f.generators),
      facts.flatMap((f) => f.invocations),
      side,
    );
    for (const file of [...facts, ...generated]) {
      for (const fn of file.functions) push(this.functions, fn.name, fn);
      for (const [caller, callee] of file.edges) {
        addTo(this.calleeNames, caller, callee);
        addTo(this.callerNames, callee, caller);
      }
      for (const call of file.calls) {
        push(this.callsTo, call.callee, call);
        if (call.caller !== null) push(this.callsFrom, call.caller, call);
      }
    }
    for (const list of this.callsTo.values()) list.sort(byPlace);
    for (const list of this.callsFrom.values()) list.sort(byPlace);
    for (const list of this.functions.values()) list.sort((a, b) => cmp(a.file, b.file) || a.line - b.line);
  }

  /** Lets roots be decided after the graph exists (they read its facts). */
  setRootTest(isRoot: (name: string) => boolean): void {
    this.isRoot = isRoot;
    this.wrappers = undefined;
  }

  definitions(name: string): readonly FunctionFacts[] {
    return this.functions.get(name) ?? [];
  }

  callers(name: string): readonly CallFact[] {
    return this.callsTo.get(name) ?? [];
  }

  callees(name: string): readonly CallFact[] {
    return this.callsFrom.get(name) ?? [];
  }

  /** Names a function or macro calls. */
  calleesOf(name: string): ReadonlySet<string> {
    return this.calleeNames.get(name) ?? new Set();
  }

  functionNames(): string[] {
    return [...this.functions.keys()].sort(cmp);
  }

  /** Parameter names for a call with `arity` arguments: the definition that matches it. */
  params(name: string, arity: number): readonly string[] {
    const defs = this.definitions(name);
    return (defs.find((d) => d.params.length === arity && d.params.every(Boolean)) ?? defs.find((d) => d.params.length > 0))?.params ?? [];
  }

  /** Functions from which some flush is reachable. */
  reachesFlush(name: string): boolean {
    if (!this.flushReaching) {
      const seen = new Set<string>(this.family);
      const queue = [...this.family];
      while (queue.length > 0) {
        const callee = queue.pop()!;
        for (const caller of this.callerNames.get(callee) ?? []) {
          if (!seen.has(caller)) {
            seen.add(caller);
            queue.push(caller);
          }
        }
      }
      this.flushReaching = seen;
    }
    return this.flushReaching.has(name);
  }

  /** A flush helper: in the family, or a thin wrapper around helpers. */
  isHelper(name: string): boolean {
    return this.family.has(name) || this.thinWrappers().has(name);
  }

  /** Every helper: the family and the thin wrappers, sorted. */
  helperNames(): string[] {
    return [...new Set([...this.family, ...this.thinWrappers()])].sort(cmp);
  }

  private thinWrappers(): Set<string> {
    if (this.wrappers) return this.wrappers;
    // Greatest fixpoint, so wrappers that call each other (a cycle) stay wrappers.
    const wrappers = new Set(
      this.functionNames().filter((name) => {
        if (this.family.has(name) || this.isRoot(name) || !this.reachesFlush(name)) return false;
        const defs = this.definitions(name);
        return defs.some((d) => !d.partial) && defs.every((d) => d.partial || d.statements <= THIN_WRAPPER_STATEMENTS);
      }),
    );
    for (let changed = true; changed; ) {
      changed = false;
      for (const name of [...wrappers]) {
        const flushing = [...(this.calleeNames.get(name) ?? [])].filter((c) => c !== name && this.reachesFlush(c));
        if (!flushing.every((c) => this.family.has(c) || wrappers.has(c))) {
          wrappers.delete(name);
          changed = true;
        }
      }
    }
    this.wrappers = wrappers;
    return wrappers;
  }
}

/**
 * One call graph per port. A port's files (`xen/arch/<port>/`, its asm
 * headers in either layout) join only its own graph; common code joins every
 * port's. Names collide across ports (on old trees Arm's `flush_tlb_mask` is a
 * function in arch/arm, x86's a macro in asm-x86), so a chain into a port's
 * function may only climb through that port's callers and definitions.
 * Facts that hold no port's file give a single graph.
 */
export class PortGraphs {
  readonly side: Side;
  /** The ports whose files are in view, in ARCHES order. */
  readonly ports: readonly Arch[];
  private readonly graphs = new Map<Arch | 'common', CallGraph>();

  constructor(side: Side, facts: readonly FileFacts[], family: ReadonlySet<string>) {
    this.side = side;
    const portOf = (f: FileFacts): Arch | 'common' => archOfPath(f.file);
    const present = new Set(facts.map(portOf));
    this.ports = ARCHES.filter((a) => present.has(a));
    if (this.ports.length === 0) this.graphs.set('common', new CallGraph(side, facts, family));
    for (const port of this.ports)
      this.graphs.set(
        port,
        new CallGraph(
          side,
          facts.filter((f) => {
            const p = portOf(f);
            return p === 'common' || p === port;
          }),
          family,
        ),
      );
  }

  /** Every graph, one per port in view (or the single common one). */
  all(): CallGraph[] {
    return [...this.graphs.values()];
  }

  /** The graphs a site in `file` is judged in: its port's, or, for common code, every port's. */
  graphsFor(file: string): CallGraph[] {
    const port = archOfPath(file);
    const own = port === 'common' ? undefined : this.graphs.get(port);
    return own ? [own] : this.all();
  }
}

function addTo(map: Map<string, Set<string>>, key: string, value: string): void {
  const set = map.get(key);
  if (set) set.add(value);
  else map.set(key, new Set([value]));
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
