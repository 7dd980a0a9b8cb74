import type { FlowGraph, FlowNode } from '../types.js';
import type { FlatTree } from '../parser/c/flat-tree.js';
import { normalizeSpace } from '../parser/c/tree-sitter.js';
import { DEFERRALS, PAGE_ALLOCATORS } from '../xen/deferrals.js';
import { BOOKKEEPING_CALLS } from '../xen/flush-api.js';
import { pageReleaseOf } from '../xen/page-release.js';

/**
 * A function's control-flow graph, built from the tree-sitter AST: if/else,
 * while/do/for loops with break and continue, switch with fall-through, goto
 * and labels, early returns, and `#if` blocks inside the body (both sides are
 * possible). One node per simple statement; a branch node owns only its
 * condition. Used to check that a `MEMF_no_tlbflush` owner flushes on every
 * path out. The body is read from its tree's flat reading (flat-tree.ts):
 * no SyntaxNode is made, so a graph costs no native call per statement.
 */

/** A call inside the body, located by byte offset. */
export interface BodyCall {
  name: string;
  args: string[];
  start: number;
  end: number;
}

export interface FlowInput {
  /** The flat reading of the body's tree, and the body's index in it. */
  flat: FlatTree;
  body: number;
  /** The file line of a node of `flat`. */
  lineAt: (index: number) => number;
  calls: readonly BodyCall[];
  /** Byte offsets of places that set or pass `MEMF_no_tlbflush`. */
  setters: readonly number[];
  /** Expressions that hold `MEMF_no_tlbflush` once set (`a->memflags`, `memflags`). */
  flagsHolders: readonly string[];
  /** Variables that record an accumulated flush (`need_tlbflush`). */
  bookkeepingFlags: ReadonlySet<string>;
  /** Record page releases, deferral openers, fresh pages and call arguments per node (deferral checks). */
  deferrals?: boolean;
}

type Pending = { from: number; branch?: string };

const ACCUMULATE = new Set(BOOKKEEPING_CALLS);
const ALLOCATORS = new Set(PAGE_ALLOCATORS);
const OPENERS = DEFERRALS.filter((d) => d.opens);

/** The first named child that is not a comment; -1 when none. */
function firstNamed(flat: FlatTree, i: number): number {
  for (const c of flat.namedChildren(i)) if (flat.type(c) !== 'comment') return c;
  return -1;
}

/** `pg = alloc_domheap_page(…)` or `struct page_info *pg = alloc_…(…)`: the variable that receives a fresh page. */
function freshPageOf(flat: FlatTree, stmt: number): string | undefined {
  const type = flat.type(stmt);
  let target = type === 'expression_statement' ? (flat.namedChildren(stmt)[0] ?? -1) : -1;
  let name: string | undefined;
  let value = -1;
  if (target >= 0 && flat.type(target) === 'assignment_expression' && fieldText(flat, target, 'operator') === '=') {
    name = fieldText(flat, target, 'left');
    value = flat.childForField(target, 'right');
  } else if (type === 'declaration') {
    target = flat.namedChildren(stmt).find((c) => flat.type(c) === 'init_declarator') ?? -1;
    let declarator = target >= 0 ? flat.childForField(target, 'declarator') : -1;
    while (declarator >= 0 && flat.type(declarator) === 'pointer_declarator') declarator = flat.childForField(declarator, 'declarator');
    name = declarator >= 0 ? flat.text(declarator) : undefined;
    value = target >= 0 ? flat.childForField(target, 'value') : -1;
  }
  if (!name || !/^[A-Za-z_]\w*$/.test(name) || value < 0 || flat.type(value) !== 'call_expression') return undefined;
  return ALLOCATORS.has(fieldText(flat, value, 'function') ?? '') ? name : undefined;
}

/** The text of a node's field child, if it has one. */
function fieldText(flat: FlatTree, i: number, field: string): string | undefined {
  const c = flat.childForField(i, field);
  return c < 0 ? undefined : flat.text(c);
}

const TEXT_LIMIT = 100;

function shortText(text: string): string {
  const firstLines = normalizeSpace(text);
  return firstLines.length > TEXT_LIMIT ? `${firstLines.slice(0, TEXT_LIMIT - 1)}…` : firstLines;
}

export function buildFlowGraph(input: FlowInput): FlowGraph {
  const { flat, lineAt } = input;
  const nodes: FlowNode[] = [];
  const labels = new Map<string, number>();
  const gotos: { from: number; label: string }[] = [];
  const breaks: Pending[][] = [];
  const continues: Pending[][] = [];

  // Sorted by offset and searched, not filtered per node: a long body would be quadratic.
  const sorted = [...input.calls].sort((a, b) => a.start - b.start);
  const callsIn = (start: number, end: number): BodyCall[] => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]!.start < start) lo = mid + 1;
      else hi = mid;
    }
    const out: BodyCall[] = [];
    for (let i = lo; i < sorted.length && sorted[i]!.start < end; i++) out.push(sorted[i]!);
    return out;
  };
  // The allocation: a call that is passed MEMF_no_tlbflush itself or the flags holding it.
  const allocates = (c: BodyCall): boolean => input.setters.some((s) => s >= c.start && s < c.end) || c.args.some((a) => input.flagsHolders.some((h) => a.includes(h)));

  /** `owned`: the node whose calls the flow node makes (-1: none). */
  const add = (kind: FlowNode['kind'], text: string, line: number, owned = -1): number => {
    const node: FlowNode = { id: nodes.length, kind, line, text: shortText(text), calls: [], next: [] };
    if (owned >= 0) {
      const start = flat.start(owned);
      const end = flat.end(owned);
      const calls = callsIn(start, end);
      node.calls = [...new Set(calls.map((c) => c.name))];
      if (input.setters.some((s) => s >= start && s < end)) node.setsNoTlbflush = true;
      if (calls.some(allocates)) node.allocates = true;
      if (calls.some((c) => ACCUMULATE.has(c.name))) node.accumulates = true;
      if (input.deferrals) recordDeferralFacts(node, calls, flat, owned);
    }
    nodes.push(node);
    return node.id;
  };
  const link = (preds: readonly Pending[], to: number): void => {
    for (const p of preds) {
      const from = nodes[p.from]!;
      if (!from.next.some((e) => e.to === to && e.branch === p.branch)) from.next.push({ to, ...(p.branch ? { branch: p.branch } : {}) });
    }
  };
  const text = (i: number): string => (i < 0 ? '' : flat.text(i));

  const entry = add('entry', 'entry', 0);
  const exit = add('exit', 'exit', 0);

  const branchNode = (label: string, condition: number, at: number): number => add('branch', label, lineAt(condition >= 0 ? condition : at), condition);

  const visitAll = (children: readonly number[], preds: Pending[]): Pending[] => {
    let current = preds;
    for (const child of children) current = visit(child, current);
    return current;
  };

  const visit = (stmt: number, preds: Pending[]): Pending[] => {
    if (stmt < 0) return preds;
    switch (flat.type(stmt)) {
      case 'comment':
        return preds;
      case 'compound_statement':
        return visitAll(flat.namedChildren(stmt), preds);
      case 'if_statement': {
        const condition = flat.childForField(stmt, 'condition');
        const consequence = flat.childForField(stmt, 'consequence');
        const id = branchNode(`if ${text(condition)}`, condition, stmt);
        if (consequence >= 0 && condition >= 0 && impliesFlag(flat, condition, input.bookkeepingFlags)) {
          nodes[id]!.settlesIfCalls = [...new Set(callsIn(flat.start(consequence), flat.end(consequence)).map((c) => c.name))];
        }
        link(preds, id);
        const whenTrue = visit(consequence, [{ from: id, branch: 'true' }]);
        const alternative = flat.childForField(stmt, 'alternative');
        const altStatement = alternative >= 0 && flat.type(alternative) === 'else_clause' ? firstNamed(flat, alternative) : alternative;
        const whenFalse = altStatement >= 0 ? visit(altStatement, [{ from: id, branch: 'false' }]) : [{ from: id, branch: 'false' }];
        return [...whenTrue, ...whenFalse];
      }
      case 'while_statement': {
        const condition = flat.childForField(stmt, 'condition');
        const id = branchNode(`while ${text(condition)}`, condition, stmt);
        link(preds, id);
        breaks.push([]);
        continues.push([]);
        const bodyEnd = visit(flat.childForField(stmt, 'body'), [{ from: id, branch: 'true' }]);
        link(bodyEnd, id);
        link(continues.pop()!, id);
        return [{ from: id, branch: 'false' }, ...breaks.pop()!];
      }
      case 'do_statement': {
        const anchor = add('statement', 'do', lineAt(stmt));
        link(preds, anchor);
        breaks.push([]);
        continues.push([]);
        const bodyEnd = visit(flat.childForField(stmt, 'body'), [{ from: anchor }]);
        const condition = flat.childForField(stmt, 'condition');
        const id = branchNode(`while ${text(condition)}`, condition, stmt);
        link(bodyEnd, id);
        link(continues.pop()!, id);
        link([{ from: id, branch: 'true' }], anchor);
        return [{ from: id, branch: 'false' }, ...breaks.pop()!];
      }
      case 'for_statement': {
        let current = preds;
        const init = flat.childForField(stmt, 'initializer');
        if (init >= 0) {
          const id = add('statement', flat.text(init), lineAt(init), init);
          link(current, id);
          current = [{ from: id }];
        }
        const condition = flat.childForField(stmt, 'condition');
        const head = condition >= 0 ? branchNode(`for ( …; ${flat.text(condition)}; … )`, condition, stmt) : add('statement', 'for ( ;; )', lineAt(stmt));
        link(current, head);
        breaks.push([]);
        continues.push([]);
        const bodyEnd = visit(flat.childForField(stmt, 'body'), [{ from: head, ...(condition >= 0 ? { branch: 'true' } : {}) }]);
        const update = flat.childForField(stmt, 'update');
        const loopEnd = [...bodyEnd, ...continues.pop()!];
        if (update >= 0) {
          const id = add('statement', flat.text(update), lineAt(update), update);
          link(loopEnd, id);
          link([{ from: id }], head);
        } else link(loopEnd, head);
        return [...(condition >= 0 ? [{ from: head, branch: 'false' }] : []), ...breaks.pop()!];
      }
      case 'switch_statement': {
        const condition = flat.childForField(stmt, 'condition');
        const id = branchNode(`switch ${text(condition)}`, condition, stmt);
        link(preds, id);
        breaks.push([]);
        let fallthrough: Pending[] = [];
        let hasDefault = false;
        const body = flat.childForField(stmt, 'body');
        for (const c of body >= 0 ? flat.namedChildren(body) : []) {
          if (flat.type(c) !== 'case_statement') {
            fallthrough = visit(c, fallthrough);
            continue;
          }
          const value = flat.childForField(c, 'value');
          if (value < 0) hasDefault = true;
          const entryEdge = { from: id, branch: value >= 0 ? `case ${normalizeSpace(flat.text(value))}` : 'default' };
          fallthrough = visitAll(
            flat.namedChildren(c).filter((n) => n !== value),
            [...fallthrough, entryEdge],
          );
        }
        const out = [...fallthrough, ...breaks.pop()!];
        if (!hasDefault) out.push({ from: id, branch: 'no case' });
        return out;
      }
      case 'labeled_statement': {
        const label = fieldText(flat, stmt, 'label') ?? '';
        const id = add('label', `${label}:`, lineAt(stmt));
        labels.set(label, id);
        link(preds, id);
        const inner = flat.namedChildren(stmt).filter((c) => flat.type(c) !== 'statement_identifier');
        return visitAll(inner, [{ from: id }]);
      }
      case 'goto_statement': {
        const id = add('goto', flat.text(stmt), lineAt(stmt), stmt);
        link(preds, id);
        gotos.push({ from: id, label: fieldText(flat, stmt, 'label') ?? '' });
        return [];
      }
      case 'return_statement': {
        const id = add('return', flat.text(stmt), lineAt(stmt), stmt);
        link(preds, id);
        link([{ from: id }], exit);
        return [];
      }
      case 'break_statement': {
        const target = breaks[breaks.length - 1];
        if (target) appendPending(target, preds);
        return target ? [] : preds;
      }
      case 'continue_statement': {
        const target = continues[continues.length - 1];
        if (target) appendPending(target, preds);
        return target ? [] : preds;
      }
      case 'preproc_if':
      case 'preproc_ifdef':
      case 'preproc_elif':
      case 'preproc_elifdef': {
        // Either side may be built: both are paths.
        const named = flat.childForField(stmt, 'condition');
        const condition = named >= 0 ? named : flat.childForField(stmt, 'name');
        const id = add('branch', `#if ${text(condition)}`, lineAt(stmt));
        link(preds, id);
        const alternative = flat.childForField(stmt, 'alternative');
        const inside = flat.namedChildren(stmt).filter((c) => c !== condition && c !== alternative);
        const whenTrue = visitAll(inside, [{ from: id, branch: 'true' }]);
        const whenFalse = alternative >= 0 ? visit(alternative, [{ from: id, branch: 'false' }]) : [{ from: id, branch: 'false' }];
        return [...whenTrue, ...whenFalse];
      }
      case 'preproc_else':
        return visitAll(flat.namedChildren(stmt), preds);
      case 'preproc_call':
      case 'preproc_def':
      case 'preproc_function_def':
      case 'preproc_include':
        return preds;
      default: {
        const id = add('statement', flat.text(stmt), lineAt(stmt), stmt);
        const fresh = input.deferrals ? freshPageOf(flat, stmt) : undefined;
        if (fresh) nodes[id]!.freshPage = fresh;
        link(preds, id);
        return [{ from: id }];
      }
    }
  };

  const end = visit(input.body, [{ from: entry }]);
  link(end, exit);
  for (const g of gotos) {
    // A label hidden in a macro: treat the jump as leaving the function.
    link([{ from: g.from }], labels.get(g.label) ?? exit);
  }
  return { nodes, entry, exit };
}

/** Appends one by one: a spread into push() overflows the stack on a long list. */
function appendPending(to: Pending[], from: readonly Pending[]): void {
  for (const p of from) to.push(p);
}

const ASSIGNING = new Set(['assignment_expression', 'init_declarator']);

/** What the deferral checks read from a node: its page releases, the deferrals it opens, its calls' arguments. */
function recordDeferralFacts(node: FlowNode, calls: readonly BodyCall[], flat: FlatTree, owned: number): void {
  const text = flat.text(owned);
  const assigns = new Set<string>();
  for (const a of flat.descendantsOfType(owned, ASSIGNING)) {
    let left = flat.childForField(a, flat.type(a) === 'assignment_expression' ? 'left' : 'declarator');
    while (left >= 0 && flat.type(left) === 'pointer_declarator') left = flat.childForField(left, 'declarator');
    if (left >= 0 && flat.type(left) === 'identifier') assigns.add(flat.text(left));
  }
  if (assigns.size > 0) node.assigns = [...assigns].sort();
  const releases = calls.flatMap((c) => {
    const release = pageReleaseOf(c.name);
    const page = release ? c.args[release.pageArg] : undefined;
    return page ? [{ call: c.name, page }] : [];
  });
  if (releases.length > 0) node.releases = releases;
  const opens = text ? OPENERS.filter((d) => d.opens!.test(text)).map((d) => d.id) : [];
  if (opens.length > 0) node.opensDeferral = opens;
  if (calls.length > 0) node.callArgs = calls.map((c) => ({ name: c.name, args: c.args }));
}

/**
 * Whether a condition being false means no flush is owed: only when it is the
 * bookkeeping flag itself, or the flag or-ed with more (`need_tlbflush`,
 * `unlikely(need_tlbflush)`, `need_tlbflush || force`). `!rc && need_tlbflush`
 * is false with the flag set, so that path still owes the flush.
 */
function impliesFlag(flat: FlatTree, condition: number, flags: ReadonlySet<string>): boolean {
  let node = condition;
  for (;;) {
    if (node < 0) return false;
    const type = flat.type(node);
    const named = type === 'parenthesized_expression' || type === 'call_expression' ? flat.namedChildren(node) : [];
    if (type === 'parenthesized_expression' && named.length === 1) node = named[0]!;
    else if (type === 'call_expression' && /^(un)?likely$/.test(fieldText(flat, node, 'function') ?? '')) {
      const args = flat.childForField(node, 'arguments');
      node = args >= 0 ? (flat.namedChildren(args)[0] ?? -1) : -1;
    } else break;
  }
  const type = flat.type(node);
  if (type === 'identifier') return flags.has(flat.text(node));
  if (type === 'binary_expression' && fieldText(flat, node, 'operator') === '||') {
    return impliesFlag(flat, flat.childForField(node, 'left'), flags) || impliesFlag(flat, flat.childForField(node, 'right'), flags);
  }
  return false;
}
