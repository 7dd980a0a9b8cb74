import type { FlowGraph, FlowNode } from '../types.js';
import { normalizeSpace, type SyntaxNode } from '../parser/c/tree-sitter.js';
import { DEFERRALS, PAGE_ALLOCATORS } from '../xen/deferrals.js';
import { BOOKKEEPING_CALLS } from '../xen/flush-api.js';
import { pageReleaseOf } from '../xen/page-release.js';

/**
 * A function's control-flow graph, built from the tree-sitter AST: if/else,
 * while/do/for loops with break and continue, switch with fall-through, goto
 * and labels, early returns, and `#if` blocks inside the body (both sides are
 * possible). One node per simple statement; a branch node owns only its
 * condition. Used to check that a `MEMF_no_tlbflush` owner flushes on every
 * path out.
 */

/** A call inside the body, located by byte offset. */
export interface BodyCall {
  name: string;
  args: string[];
  start: number;
  end: number;
}

export interface FlowInput {
  body: SyntaxNode;
  lineOf: (node: SyntaxNode) => number;
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

/** `pg = alloc_domheap_page(…)` or `struct page_info *pg = alloc_…(…)`: the variable that receives a fresh page. */
function freshPageOf(stmt: SyntaxNode): string | undefined {
  let target: SyntaxNode | null = stmt.type === 'expression_statement' ? (stmt.namedChildren[0] ?? null) : null;
  let name: string | undefined;
  let value: SyntaxNode | null = null;
  if (target?.type === 'assignment_expression' && target.childForFieldName('operator')?.text === '=') {
    name = target.childForFieldName('left')?.text;
    value = target.childForFieldName('right');
  } else if (stmt.type === 'declaration') {
    target = stmt.namedChildren.find((c) => c.type === 'init_declarator') ?? null;
    let declarator = target?.childForFieldName('declarator') ?? null;
    while (declarator?.type === 'pointer_declarator') declarator = declarator.childForFieldName('declarator');
    name = declarator?.text;
    value = target?.childForFieldName('value') ?? null;
  }
  if (!name || !/^[A-Za-z_]\w*$/.test(name) || value?.type !== 'call_expression') return undefined;
  return ALLOCATORS.has(value.childForFieldName('function')?.text ?? '') ? name : undefined;
}

const TEXT_LIMIT = 100;

function shortText(text: string): string {
  const firstLines = normalizeSpace(text);
  return firstLines.length > TEXT_LIMIT ? `${firstLines.slice(0, TEXT_LIMIT - 1)}…` : firstLines;
}

export function buildFlowGraph(input: FlowInput): FlowGraph {
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

  const add = (kind: FlowNode['kind'], text: string, line: number, owned?: { start: number; end: number; node?: SyntaxNode }): number => {
    const node: FlowNode = { id: nodes.length, kind, line, text: shortText(text), calls: [], next: [] };
    if (owned) {
      const calls = callsIn(owned.start, owned.end);
      node.calls = [...new Set(calls.map((c) => c.name))];
      if (input.setters.some((s) => s >= owned.start && s < owned.end)) node.setsNoTlbflush = true;
      if (calls.some(allocates)) node.allocates = true;
      if (calls.some((c) => ACCUMULATE.has(c.name))) node.accumulates = true;
      if (input.deferrals) recordDeferralFacts(node, calls, owned.node);
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
  const span = (n: SyntaxNode): { start: number; end: number; node: SyntaxNode } => ({ start: n.startIndex, end: n.endIndex, node: n });

  const entry = add('entry', 'entry', 0);
  const exit = add('exit', 'exit', 0);

  const branchNode = (text: string, condition: SyntaxNode | null, at: SyntaxNode): number => add('branch', text, input.lineOf(condition ?? at), condition ? span(condition) : undefined);

  const visitAll = (children: readonly SyntaxNode[], preds: Pending[]): Pending[] => {
    let current = preds;
    for (const child of children) current = visit(child, current);
    return current;
  };

  const visit = (stmt: SyntaxNode | null | undefined, preds: Pending[]): Pending[] => {
    if (!stmt) return preds;
    switch (stmt.type) {
      case 'comment':
        return preds;
      case 'compound_statement':
        return visitAll(stmt.namedChildren, preds);
      case 'if_statement': {
        const condition = stmt.childForFieldName('condition');
        const consequence = stmt.childForFieldName('consequence');
        const id = branchNode(`if ${condition?.text ?? ''}`, condition, stmt);
        if (consequence && condition && impliesFlag(condition, input.bookkeepingFlags)) {
          nodes[id]!.settlesIfCalls = [...new Set(callsIn(consequence.startIndex, consequence.endIndex).map((c) => c.name))];
        }
        link(preds, id);
        const whenTrue = visit(consequence, [{ from: id, branch: 'true' }]);
        const alternative = stmt.childForFieldName('alternative');
        const altStatement = alternative?.type === 'else_clause' ? alternative.namedChildren.find((c) => c.type !== 'comment') : alternative;
        const whenFalse = altStatement ? visit(altStatement, [{ from: id, branch: 'false' }]) : [{ from: id, branch: 'false' }];
        return [...whenTrue, ...whenFalse];
      }
      case 'while_statement': {
        const condition = stmt.childForFieldName('condition');
        const id = branchNode(`while ${condition?.text ?? ''}`, condition, stmt);
        link(preds, id);
        breaks.push([]);
        continues.push([]);
        const bodyEnd = visit(stmt.childForFieldName('body'), [{ from: id, branch: 'true' }]);
        link(bodyEnd, id);
        link(continues.pop()!, id);
        return [{ from: id, branch: 'false' }, ...breaks.pop()!];
      }
      case 'do_statement': {
        const anchor = add('statement', 'do', input.lineOf(stmt));
        link(preds, anchor);
        breaks.push([]);
        continues.push([]);
        const bodyEnd = visit(stmt.childForFieldName('body'), [{ from: anchor }]);
        const condition = stmt.childForFieldName('condition');
        const id = branchNode(`while ${condition?.text ?? ''}`, condition, stmt);
        link(bodyEnd, id);
        link(continues.pop()!, id);
        link([{ from: id, branch: 'true' }], anchor);
        return [{ from: id, branch: 'false' }, ...breaks.pop()!];
      }
      case 'for_statement': {
        let current = preds;
        const init = stmt.childForFieldName('initializer');
        if (init) {
          const id = add('statement', init.text, input.lineOf(init), span(init));
          link(current, id);
          current = [{ from: id }];
        }
        const condition = stmt.childForFieldName('condition');
        const head = condition ? branchNode(`for ( …; ${condition.text}; … )`, condition, stmt) : add('statement', 'for ( ;; )', input.lineOf(stmt));
        link(current, head);
        breaks.push([]);
        continues.push([]);
        const bodyEnd = visit(stmt.childForFieldName('body'), [{ from: head, ...(condition ? { branch: 'true' } : {}) }]);
        const update = stmt.childForFieldName('update');
        const loopEnd = [...bodyEnd, ...continues.pop()!];
        if (update) {
          const id = add('statement', update.text, input.lineOf(update), span(update));
          link(loopEnd, id);
          link([{ from: id }], head);
        } else link(loopEnd, head);
        return [...(condition ? [{ from: head, branch: 'false' }] : []), ...breaks.pop()!];
      }
      case 'switch_statement': {
        const condition = stmt.childForFieldName('condition');
        const id = branchNode(`switch ${condition?.text ?? ''}`, condition, stmt);
        link(preds, id);
        breaks.push([]);
        let fallthrough: Pending[] = [];
        let hasDefault = false;
        for (const c of stmt.childForFieldName('body')?.namedChildren ?? []) {
          if (c.type !== 'case_statement') {
            fallthrough = visit(c, fallthrough);
            continue;
          }
          const value = c.childForFieldName('value');
          if (!value) hasDefault = true;
          const entryEdge = { from: id, branch: value ? `case ${normalizeSpace(value.text)}` : 'default' };
          fallthrough = visitAll(
            c.namedChildren.filter((n) => n.id !== value?.id),
            [...fallthrough, entryEdge],
          );
        }
        const out = [...fallthrough, ...breaks.pop()!];
        if (!hasDefault) out.push({ from: id, branch: 'no case' });
        return out;
      }
      case 'labeled_statement': {
        const label = stmt.childForFieldName('label')?.text ?? '';
        const id = add('label', `${label}:`, input.lineOf(stmt));
        labels.set(label, id);
        link(preds, id);
        const inner = stmt.namedChildren.filter((c) => c.type !== 'statement_identifier');
        return visitAll(inner, [{ from: id }]);
      }
      case 'goto_statement': {
        const id = add('goto', stmt.text, input.lineOf(stmt), span(stmt));
        link(preds, id);
        gotos.push({ from: id, label: stmt.childForFieldName('label')?.text ?? '' });
        return [];
      }
      case 'return_statement': {
        const id = add('return', stmt.text, input.lineOf(stmt), span(stmt));
        link(preds, id);
        link([{ from: id }], exit);
        return [];
      }
      case 'break_statement': {
        const target = breaks[breaks.length - 1];
        if (target) target.push(...preds);
        return target ? [] : preds;
      }
      case 'continue_statement': {
        const target = continues[continues.length - 1];
        if (target) target.push(...preds);
        return target ? [] : preds;
      }
      case 'preproc_if':
      case 'preproc_ifdef':
      case 'preproc_elif':
      case 'preproc_elifdef': {
        // Either side may be built: both are paths.
        const condition = stmt.childForFieldName('condition') ?? stmt.childForFieldName('name');
        const id = add('branch', `#if ${condition?.text ?? ''}`, input.lineOf(stmt));
        link(preds, id);
        const alternative = stmt.childForFieldName('alternative');
        const inside = stmt.namedChildren.filter((c) => c.id !== condition?.id && c.id !== alternative?.id);
        const whenTrue = visitAll(inside, [{ from: id, branch: 'true' }]);
        const whenFalse = alternative ? visit(alternative, [{ from: id, branch: 'false' }]) : [{ from: id, branch: 'false' }];
        return [...whenTrue, ...whenFalse];
      }
      case 'preproc_else':
        return visitAll(stmt.namedChildren, preds);
      case 'preproc_call':
      case 'preproc_def':
      case 'preproc_function_def':
      case 'preproc_include':
        return preds;
      default: {
        const id = add('statement', stmt.text, input.lineOf(stmt), span(stmt));
        const fresh = input.deferrals ? freshPageOf(stmt) : undefined;
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

/** What the deferral checks read from a node: its page releases, the deferrals it opens, its calls' arguments. */
function recordDeferralFacts(node: FlowNode, calls: readonly BodyCall[], owned: SyntaxNode | undefined): void {
  const text = owned?.text;
  const assigns = new Set<string>();
  for (const a of owned?.descendantsOfType(['assignment_expression', 'init_declarator']) ?? []) {
    let left = a.childForFieldName(a.type === 'assignment_expression' ? 'left' : 'declarator');
    while (left?.type === 'pointer_declarator') left = left.childForFieldName('declarator');
    if (left?.type === 'identifier') assigns.add(left.text);
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
function impliesFlag(condition: SyntaxNode, flags: ReadonlySet<string>): boolean {
  let node: SyntaxNode | null = condition;
  for (;;) {
    if (!node) return false;
    if (node.type === 'parenthesized_expression' && node.namedChildCount === 1) node = node.namedChildren[0]!;
    else if (node.type === 'call_expression' && /^(un)?likely$/.test(node.childForFieldName('function')?.text ?? '')) node = node.childForFieldName('arguments')?.namedChildren[0] ?? null;
    else break;
  }
  if (node.type === 'identifier') return flags.has(node.text);
  if (node.type === 'binary_expression' && node.childForFieldName('operator')?.text === '||') {
    return impliesFlag(node.childForFieldName('left')!, flags) || impliesFlag(node.childForFieldName('right')!, flags);
  }
  return false;
}
