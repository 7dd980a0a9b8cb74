import type { Collected, CollectedCall, Side, Site } from '../types.js';
import type { FlatTree } from '../parser/c/flat-tree.js';
import { normalizeSpace } from '../parser/c/tree-sitter.js';
import { imageFlat } from '../parser/c/images.js';
import { argumentsOf, flatBranchConditions, flatGuardsOf } from '../sites/collect.js';
import { substitute } from './expand.js';

/**
 * Values, not shapes (issue 13): which value each local variable holds where a
 * flush is called. A forward walk of the function body, in the order the
 * classifier's CFG (cfg.ts) visits it: assignments and declarations define a
 * variable; `if`/`else` merge two definitions into `c ? a : b`; a variable a
 * loop, a `switch`, a label or `&v` may change is its own name again (an input:
 * "whatever it holds"). Guards and arguments are then rewritten in terms of
 * those values, so `(nx & PGT_type_mask)` after `nx = … | type` reads the new
 * type, and `flush_mask(m, flags)` sees how `flags` was built.
 */

/** Variable → its value as C text, in terms of inputs; absent: the variable itself. */
type Env = Map<string, string>;

export interface ValuesAtCall {
  /** The call's guards as written (`guardsOf`). */
  written: string[];
  /** The call's guards (as `guardsOf` lists them), each read with the values where it is tested. */
  guards: string[];
  /** The call's arguments with the values at the call. */
  args: string[];
  /** Each variable the guards and arguments read that holds a value other than itself. */
  values: Record<string, string>;
}

/** Values longer than this are no help to a reader and cost the evaluator: the variable stays itself. */
const MAX_VALUE = 400;

const ASSIGN_OPS: Record<string, string> = { '|=': '|', '&=': '&', '+=': '+', '-=': '-', '^=': '^', '<<=': '<<', '>>=': '>>', '*=': '*' };

function declaredName(flat: FlatTree, declarator: number): string | undefined {
  let d = declarator;
  while (d >= 0 && flat.type(d) !== 'identifier') d = flat.childForField(d, 'declarator');
  return d >= 0 ? flat.text(d) : undefined;
}

/** The text of a node's field child, if it has one. */
function fieldText(flat: FlatTree, i: number, field: string): string | undefined {
  const c = flat.childForField(i, field);
  return c < 0 ? undefined : flat.text(c);
}

/** The node of a field when it is an identifier: its name. */
function identifierField(flat: FlatTree, i: number, field: string): string | undefined {
  const c = flat.childForField(i, field);
  return c >= 0 && flat.type(c) === 'identifier' ? flat.text(c) : undefined;
}

const ASSIGNING = new Set(['assignment_expression', 'update_expression', 'init_declarator', 'pointer_expression']);
const EFFECTS = new Set(['assignment_expression', 'update_expression', 'pointer_expression']);

/** Every variable a statement may assign (for loops, switches and labels). */
function assignedIn(flat: FlatTree, node: number): Set<string> {
  const out = new Set<string>();
  for (const a of flat.descendantsOfType(node, ASSIGNING)) {
    const type = flat.type(a);
    let name: string | undefined;
    if (type === 'assignment_expression') name = identifierField(flat, a, 'left');
    else if (type === 'update_expression') name = identifierField(flat, a, 'argument');
    else if (type === 'init_declarator') name = declaredName(flat, flat.childForField(a, 'declarator'));
    else if (fieldText(flat, a, 'operator') === '&') name = identifierField(flat, a, 'argument');
    if (name) out.add(name);
  }
  return out;
}

/**
 * The forward walk over one function body, read from its tree's flat
 * reading (flat-tree.ts): nodes are indices, so the walk makes no SyntaxNode
 * and no native call per statement.
 */
class Walker {
  /** Environments seen at the nodes the target needs: the condition of each guarding `if`, the statement of the call. */
  readonly snapshots = new Map<number, Env>();

  constructor(
    private readonly flat: FlatTree,
    private readonly ancestors: ReadonlySet<number>,
    private readonly inFunction: ReadonlySet<string>,
  ) {}

  resolve(text: string, env: Env): string {
    if (env.size === 0) return text;
    const bindings: Record<string, string> = {};
    for (const [k, v] of env) if (text.includes(k)) bindings[k] = v;
    return Object.keys(bindings).length ? substitute(text, bindings, 'c') : text;
  }

  private define(env: Env, name: string, value: string | undefined): void {
    // What other variables were given in terms of this one's old value is stale now.
    const mention = new RegExp(`\\b${name}\\b`);
    for (const [k, v] of env) if (k !== name && mention.test(v)) env.delete(k);
    // A copy of a local the function reassigns is no clearer than the local itself.
    const copiesLocal = value !== undefined && /^[A-Za-z_]\w*$/.test(value) && !env.has(value) && this.inFunction.has(value);
    if (value === undefined || value === name || copiesLocal || value.length > MAX_VALUE) env.delete(name);
    else env.set(name, value);
  }

  /** Side effects of an expression, left to right. */
  effects(node: number, env: Env): void {
    const { flat } = this;
    for (const n of flat.descendantsOfType(node, EFFECTS)) {
      const type = flat.type(n);
      if (type === 'assignment_expression') {
        const left = identifierField(flat, n, 'left');
        const right = flat.childForField(n, 'right');
        const op = fieldText(flat, n, 'operator') ?? '=';
        if (left === undefined || right < 0) continue;
        const value = this.resolve(normalizeSpace(flat.text(right)), env);
        const old = env.get(left) ?? left;
        this.define(env, left, op === '=' ? value : ASSIGN_OPS[op] ? `(${old}) ${ASSIGN_OPS[op]} (${value})` : undefined);
      } else if (type === 'update_expression') {
        const arg = identifierField(flat, n, 'argument');
        if (arg === undefined) continue;
        const old = env.get(arg) ?? arg;
        this.define(env, arg, `(${old}) ${flat.text(n).includes('++') ? '+' : '-'} 1`);
      } else if (fieldText(flat, n, 'operator') === '&') {
        // Its address escapes: anything may write it.
        const arg = identifierField(flat, n, 'argument');
        if (arg !== undefined) env.delete(arg);
      }
    }
  }

  private forget(env: Env, names: Iterable<string>): void {
    for (const n of names) env.delete(n);
  }

  private merge(condition: string, a: Env | null, b: Env | null): Env | null {
    if (!a) return b;
    if (!b) return a;
    const out: Env = new Map();
    for (const k of new Set([...a.keys(), ...b.keys()])) {
      const va = a.get(k) ?? k;
      const vb = b.get(k) ?? k;
      this.define(out, k, va === vb ? va : `(${condition}) ? ${va} : ${vb}`);
    }
    return out;
  }

  /** `stmt`: an index of the flat tree, -1 for none. */
  exec(stmt: number, env: Env | null): Env | null {
    if (stmt < 0 || !env) return env;
    const { flat } = this;
    const holdsTarget = this.ancestors.has(stmt);
    switch (flat.type(stmt)) {
      case 'comment':
        return env;
      case 'compound_statement': {
        let cur: Env | null = env;
        for (const c of flat.namedChildren(stmt)) cur = this.exec(c, cur);
        return cur;
      }
      case 'if_statement': {
        const condition = flat.childForField(stmt, 'condition');
        const text = condition >= 0 ? normalizeSpace(flat.text(condition).replace(/^\(\s*([\s\S]*?)\s*\)$/, '$1')) : '';
        if (holdsTarget && condition >= 0) this.snapshots.set(condition, new Map(env));
        const resolved = this.resolve(text, env);
        if (condition >= 0) this.effects(condition, env);
        const yes = this.exec(flat.childForField(stmt, 'consequence'), new Map(env));
        const alternative = flat.childForField(stmt, 'alternative');
        const altStatement = alternative >= 0 && flat.type(alternative) === 'else_clause' ? (flat.namedChildren(alternative).find((c) => flat.type(c) !== 'comment') ?? -1) : alternative;
        const no = altStatement >= 0 ? this.exec(altStatement, new Map(env)) : new Map(env);
        return this.merge(resolved, yes, no);
      }
      case 'while_statement':
      case 'do_statement':
      case 'for_statement': {
        // Whatever the loop assigns may hold any iteration's value.
        const head = new Map(env);
        this.forget(head, assignedIn(flat, stmt));
        if (holdsTarget) {
          const init = flat.childForField(stmt, 'initializer');
          if (init >= 0 && this.ancestors.has(init)) this.snapshots.set(init, new Map(env));
          this.exec(flat.childForField(stmt, 'body'), new Map(head));
          for (const part of ['condition', 'update']) {
            const n = flat.childForField(stmt, part);
            if (n >= 0 && this.ancestors.has(n)) this.snapshots.set(n, new Map(head));
          }
        }
        return head;
      }
      case 'switch_statement': {
        const head = new Map(env);
        this.forget(head, assignedIn(flat, stmt));
        if (holdsTarget) this.exec(flat.childForField(stmt, 'body'), new Map(head));
        return head;
      }
      case 'case_statement': {
        let cur: Env | null = env;
        const value = flat.childForField(stmt, 'value');
        for (const c of flat.namedChildren(stmt)) if (c !== value) cur = this.exec(c, cur ?? new Map(env));
        return cur;
      }
      case 'labeled_statement': {
        // A goto may arrive here from anywhere in the function.
        const cur = new Map(env);
        this.forget(cur, this.inFunction);
        let out: Env | null = cur;
        for (const c of flat.namedChildren(stmt)) if (flat.type(c) !== 'statement_identifier') out = this.exec(c, out);
        return out;
      }
      case 'return_statement':
      case 'goto_statement':
      case 'break_statement':
      case 'continue_statement':
        if (holdsTarget) this.snapshots.set(stmt, new Map(env));
        return null;
      case 'preproc_if':
      case 'preproc_ifdef':
      case 'preproc_elif':
      case 'preproc_else': {
        // Either side may be built: what differs is unknown.
        const cur = new Map(env);
        this.forget(cur, assignedIn(flat, stmt));
        if (holdsTarget) {
          let inner: Env | null = new Map(env);
          for (const c of flat.namedChildren(stmt)) inner = this.exec(c, inner ?? new Map(env));
        }
        return cur;
      }
      case 'declaration': {
        if (holdsTarget) this.snapshots.set(stmt, new Map(env));
        for (const d of flat.namedChildren(stmt)) {
          if (flat.type(d) === 'init_declarator') {
            const name = declaredName(flat, flat.childForField(d, 'declarator'));
            const value = flat.childForField(d, 'value');
            if (value >= 0) this.effects(value, env);
            if (name) this.define(env, name, value >= 0 && flat.type(value) !== 'initializer_list' ? this.resolve(normalizeSpace(flat.text(value)), env) : undefined);
          } else {
            const name = declaredName(flat, d);
            if (name) env.delete(name);
          }
        }
        return env;
      }
      default:
        if (holdsTarget) this.snapshots.set(stmt, new Map(env));
        this.effects(stmt, env);
        return env;
    }
  }
}

/** The statement (or loop part) directly holding `node`, whose snapshot holds the values at it. */
function snapshotFor(flat: FlatTree, node: number, snapshots: ReadonlyMap<number, Env>): Env | undefined {
  for (let p = node; p >= 0; p = flat.parent(p)) {
    const hit = snapshots.get(p);
    if (hit) return hit;
  }
  return undefined;
}

/** What the guards and arguments of a call (`call`: its index in `flat`) read, where it is made. Undefined outside a function body. */
export function valuesAtCall(flat: FlatTree, call: number): ValuesAtCall | undefined {
  let fn = flat.parent(call);
  const ancestors = new Set<number>([call]);
  while (fn >= 0 && flat.type(fn) !== 'function_definition') {
    ancestors.add(fn);
    fn = flat.parent(fn);
  }
  const body = fn < 0 ? -1 : flat.childForField(fn, 'body');
  if (body < 0) return undefined;
  const walker = new Walker(flat, ancestors, assignedIn(flat, body));
  walker.exec(body, new Map());
  const atCall = snapshotFor(flat, call, walker.snapshots) ?? new Map<string, string>();
  // Guards in the order flatGuardsOf gives them, each read where it is tested.
  const written = flatGuardsOf(flat, call);
  const guards: string[] = [];
  const conditions = flatBranchConditions(flat, call);
  const values: Record<string, string> = {};
  const note = (text: string, env: Env): void => {
    for (const [k, v] of env) if (new RegExp(`\\b${k}\\b`).test(text)) values[k] = v;
  };
  written.forEach((g, i) => {
    const env = snapshotFor(flat, conditions[i]?.condition ?? call, walker.snapshots) ?? atCall;
    note(g, env);
    guards.push(walker.resolve(g, env));
  });
  const args = argumentsOf(flat, call);
  for (const a of args) note(a, atCall);
  return { written, guards, args: args.map((a) => walker.resolve(a, atCall)), values };
}

// ─────────────────────────── sites → their call nodes ───────────────────────────

// Calls of one name, by file, then side and line (numbers: no key text per call).
type CallsByPlace = Map<string, Map<number, CollectedCall[]>>;
const indexes = new WeakMap<readonly Collected[], Map<string, CallsByPlace>>();
// By the collected call, not its node: nodes are made when read and not kept (sites/collect.ts).
const computed = new WeakMap<CollectedCall, ValuesAtCall | null>();

const placeKey = (side: Side, line: number): number => line * 2 + (side === 'new' ? 1 : 0);

/**
 * The patch's calls of `name`, indexed when a site of that name first asks:
 * sites are flush calls, a few names among every call a patch makes (4 MB of
 * flush hunks: 38k of its 113k calls).
 */
function callsNamed(collected: readonly Collected[], name: string): CallsByPlace {
  let byName = indexes.get(collected);
  if (!byName) {
    byName = new Map();
    indexes.set(collected, byName);
  }
  let index = byName.get(name);
  if (index) return index;
  index = new Map();
  for (const c of collected) {
    for (const call of c.calls) {
      if (call.name !== name) continue;
      const line = call.image.rows[call.row]?.fileLine ?? 0;
      let inFile = index.get(call.image.file);
      if (!inFile) {
        inFile = new Map();
        index.set(call.image.file, inFile);
      }
      const key = placeKey(call.image.side, line);
      const list = inFile.get(key);
      if (list) list.push(call);
      else inFile.set(key, [call]);
    }
  }
  byName.set(name, index);
  return index;
}

/** The values at a call site of the patch (none for sites the patch's images do not hold). */
export function valuesAtSite(site: Pick<Site, 'file' | 'side' | 'line' | 'column' | 'api'>, collected: readonly Collected[]): ValuesAtCall | undefined {
  const calls = callsNamed(collected, site.api).get(site.file)?.get(placeKey(site.side, site.line));
  if (!calls?.length) return undefined;
  const call = calls.find((c) => c.column + 1 === site.column) ?? calls[0]!;
  if (!computed.has(call)) {
    let values: ValuesAtCall | undefined;
    try {
      const flat = imageFlat(call.image);
      const index = call.at ?? flat.find(call.node);
      values = index === undefined ? undefined : valuesAtCall(flat, index);
    } catch {
      // Values are a refinement: a body we cannot read keeps the guards as written.
      values = undefined;
    }
    computed.set(call, values ?? null);
  }
  return computed.get(call) ?? undefined;
}

/** An argument worth reading through its value: flags and booleans handed to a flush. */
export const isFlagsValue = (value: string): boolean => /\bFLUSH_\w+|^(true|false|[01])$/.test(value) || /\?\s*(true|false|[01])\s*:/.test(value);
