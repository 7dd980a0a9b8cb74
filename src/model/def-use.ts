import type { Collected, CollectedCall, Site } from '../types.js';
import { normalizeSpace, type SyntaxNode } from '../parser/c/tree-sitter.js';
import { guardsOf } from '../sites/collect.js';
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

function declaredName(declarator: SyntaxNode | null): string | undefined {
  let d = declarator;
  while (d && d.type !== 'identifier') d = d.childForFieldName('declarator');
  return d?.text;
}

/** Every variable a statement may assign (for loops, switches and labels). */
function assignedIn(node: SyntaxNode): Set<string> {
  const out = new Set<string>();
  for (const a of node.descendantsOfType(['assignment_expression', 'update_expression', 'init_declarator', 'pointer_expression'])) {
    if (a.type === 'assignment_expression') {
      const left = a.childForFieldName('left');
      if (left?.type === 'identifier') out.add(left.text);
    } else if (a.type === 'update_expression') {
      const arg = a.childForFieldName('argument');
      if (arg?.type === 'identifier') out.add(arg.text);
    } else if (a.type === 'init_declarator') {
      const name = declaredName(a.childForFieldName('declarator'));
      if (name) out.add(name);
    } else if (a.childForFieldName('operator')?.text === '&') {
      const arg = a.childForFieldName('argument');
      if (arg?.type === 'identifier') out.add(arg.text);
    }
  }
  return out;
}

class Walker {
  /** Environments seen at the nodes the target needs: the condition of each guarding `if`, the statement of the call. */
  readonly snapshots = new Map<number, Env>();

  constructor(
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
  effects(node: SyntaxNode, env: Env): void {
    for (const n of node.descendantsOfType(['assignment_expression', 'update_expression', 'pointer_expression'])) {
      if (n.type === 'assignment_expression') {
        const left = n.childForFieldName('left');
        const right = n.childForFieldName('right');
        const op = n.childForFieldName('operator')?.text ?? '=';
        if (left?.type !== 'identifier' || !right) continue;
        const value = this.resolve(normalizeSpace(right.text), env);
        const old = env.get(left.text) ?? left.text;
        this.define(env, left.text, op === '=' ? value : ASSIGN_OPS[op] ? `(${old}) ${ASSIGN_OPS[op]} (${value})` : undefined);
      } else if (n.type === 'update_expression') {
        const arg = n.childForFieldName('argument');
        if (arg?.type !== 'identifier') continue;
        const old = env.get(arg.text) ?? arg.text;
        this.define(env, arg.text, `(${old}) ${n.text.includes('++') ? '+' : '-'} 1`);
      } else if (n.childForFieldName('operator')?.text === '&') {
        // Its address escapes: anything may write it.
        const arg = n.childForFieldName('argument');
        if (arg?.type === 'identifier') env.delete(arg.text);
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

  exec(stmt: SyntaxNode | null | undefined, env: Env | null): Env | null {
    if (!stmt || !env) return env;
    const holdsTarget = this.ancestors.has(stmt.id);
    switch (stmt.type) {
      case 'comment':
        return env;
      case 'compound_statement': {
        let cur: Env | null = env;
        for (const c of stmt.namedChildren) cur = this.exec(c, cur);
        return cur;
      }
      case 'if_statement': {
        const condition = stmt.childForFieldName('condition');
        const text = condition ? normalizeSpace(condition.text.replace(/^\(\s*([\s\S]*?)\s*\)$/, '$1')) : '';
        if (holdsTarget && condition) this.snapshots.set(condition.id, new Map(env));
        const resolved = this.resolve(text, env);
        if (condition) this.effects(condition, env);
        const yes = this.exec(stmt.childForFieldName('consequence'), new Map(env));
        const alternative = stmt.childForFieldName('alternative');
        const altStatement = alternative?.type === 'else_clause' ? alternative.namedChildren.find((c) => c.type !== 'comment') : alternative;
        const no = altStatement ? this.exec(altStatement, new Map(env)) : new Map(env);
        return this.merge(resolved, yes, no);
      }
      case 'while_statement':
      case 'do_statement':
      case 'for_statement': {
        // Whatever the loop assigns may hold any iteration's value.
        const head = new Map(env);
        this.forget(head, assignedIn(stmt));
        if (holdsTarget) {
          const init = stmt.childForFieldName('initializer');
          if (init && this.ancestors.has(init.id)) this.snapshots.set(init.id, new Map(env));
          this.exec(stmt.childForFieldName('body'), new Map(head));
          for (const part of ['condition', 'update']) {
            const n = stmt.childForFieldName(part);
            if (n && this.ancestors.has(n.id)) this.snapshots.set(n.id, new Map(head));
          }
        }
        return head;
      }
      case 'switch_statement': {
        const head = new Map(env);
        this.forget(head, assignedIn(stmt));
        if (holdsTarget) this.exec(stmt.childForFieldName('body'), new Map(head));
        return head;
      }
      case 'case_statement': {
        let cur: Env | null = env;
        const value = stmt.childForFieldName('value');
        for (const c of stmt.namedChildren) if (c.id !== value?.id) cur = this.exec(c, cur ?? new Map(env));
        return cur;
      }
      case 'labeled_statement': {
        // A goto may arrive here from anywhere in the function.
        const cur = new Map(env);
        this.forget(cur, this.inFunction);
        let out: Env | null = cur;
        for (const c of stmt.namedChildren) if (c.type !== 'statement_identifier') out = this.exec(c, out);
        return out;
      }
      case 'return_statement':
      case 'goto_statement':
      case 'break_statement':
      case 'continue_statement':
        if (holdsTarget) this.snapshots.set(stmt.id, new Map(env));
        return null;
      case 'preproc_if':
      case 'preproc_ifdef':
      case 'preproc_elif':
      case 'preproc_else': {
        // Either side may be built: what differs is unknown.
        const cur = new Map(env);
        this.forget(cur, assignedIn(stmt));
        if (holdsTarget) {
          let inner: Env | null = new Map(env);
          for (const c of stmt.namedChildren) inner = this.exec(c, inner ?? new Map(env));
        }
        return cur;
      }
      case 'declaration': {
        if (holdsTarget) this.snapshots.set(stmt.id, new Map(env));
        for (const d of stmt.namedChildren) {
          if (d.type === 'init_declarator') {
            const name = declaredName(d.childForFieldName('declarator'));
            const value = d.childForFieldName('value');
            if (value) this.effects(value, env);
            if (name) this.define(env, name, value && value.type !== 'initializer_list' ? this.resolve(normalizeSpace(value.text), env) : undefined);
          } else {
            const name = declaredName(d);
            if (name) env.delete(name);
          }
        }
        return env;
      }
      default:
        if (holdsTarget) this.snapshots.set(stmt.id, new Map(env));
        this.effects(stmt, env);
        return env;
    }
  }
}

/** The statement (or loop part) directly holding `node`, whose snapshot holds the values at it. */
function snapshotFor(node: SyntaxNode, snapshots: ReadonlyMap<number, Env>): Env | undefined {
  for (let p: SyntaxNode | null = node; p; p = p.parent) {
    const hit = snapshots.get(p.id);
    if (hit) return hit;
  }
  return undefined;
}

/** What the guards and arguments of a call read, where it is made. Undefined outside a function body. */
export function valuesAtCall(call: SyntaxNode): ValuesAtCall | undefined {
  let fn: SyntaxNode | null = call.parent;
  const ancestors = new Set<number>([call.id]);
  while (fn && fn.type !== 'function_definition') {
    ancestors.add(fn.id);
    fn = fn.parent;
  }
  const body = fn?.childForFieldName('body');
  if (!fn || !body) return undefined;
  const walker = new Walker(ancestors, assignedIn(body));
  walker.exec(body, new Map());
  const atCall = snapshotFor(call, walker.snapshots) ?? new Map<string, string>();
  // Guards in the order guardsOf gives them, each read where it is tested.
  const written = guardsOf(call);
  const guards: string[] = [];
  const conditions: { node: SyntaxNode; negated: boolean }[] = [];
  let child = call;
  for (let p = call.parent; p && p.type !== 'function_definition'; child = p, p = p.parent) {
    if (p.type !== 'if_statement' && p.type !== 'conditional_expression') continue;
    const condition = p.childForFieldName('condition');
    if (!condition || condition.id === child.id) continue;
    conditions.push({ node: condition, negated: p.childForFieldName('alternative')?.id === child.id });
  }
  conditions.reverse();
  const values: Record<string, string> = {};
  const note = (text: string, env: Env): void => {
    for (const [k, v] of env) if (new RegExp(`\\b${k}\\b`).test(text)) values[k] = v;
  };
  written.forEach((g, i) => {
    const env = snapshotFor(conditions[i]?.node ?? call, walker.snapshots) ?? atCall;
    note(g, env);
    guards.push(walker.resolve(g, env));
  });
  const args = (call.childForFieldName('arguments')?.namedChildren ?? []).filter((a) => a.type !== 'comment').map((a) => normalizeSpace(a.text));
  for (const a of args) note(a, atCall);
  return { written, guards, args: args.map((a) => walker.resolve(a, atCall)), values };
}

// ─────────────────────────── sites → their call nodes ───────────────────────────

const indexes = new WeakMap<readonly Collected[], Map<string, CollectedCall[]>>();
// By the collected call, not its node: nodes are made when read and not kept (sites/collect.ts).
const computed = new WeakMap<CollectedCall, ValuesAtCall | null>();

function callIndex(collected: readonly Collected[]): Map<string, CollectedCall[]> {
  let index = indexes.get(collected);
  if (index) return index;
  index = new Map();
  for (const c of collected) {
    for (const call of c.calls) {
      const line = call.image.rows[call.row]?.fileLine ?? 0;
      const key = `${call.image.file}\u0000${call.image.side}\u0000${line}\u0000${call.name}`;
      const list = index.get(key);
      if (list) list.push(call);
      else index.set(key, [call]);
    }
  }
  indexes.set(collected, index);
  return index;
}

/** The values at a call site of the patch (none for sites the patch's images do not hold). */
export function valuesAtSite(site: Pick<Site, 'file' | 'side' | 'line' | 'column' | 'api'>, collected: readonly Collected[]): ValuesAtCall | undefined {
  const calls = callIndex(collected).get(`${site.file}\u0000${site.side}\u0000${site.line}\u0000${site.api}`);
  if (!calls?.length) return undefined;
  const call = calls.find((c) => c.column + 1 === site.column) ?? calls[0]!;
  if (!computed.has(call)) {
    let values: ValuesAtCall | undefined;
    try {
      values = valuesAtCall(call.node);
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
