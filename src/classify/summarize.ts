import type { CallFact, EvidenceStep, FileFacts, FunctionFacts, GeneratorMacro, MacroInvocation, ParsedImage } from '../types.js';
import { imageFlat, WRAPPER_FUNCTION } from '../parser/c/images.js';
import type { FlatTree } from '../parser/c/flat-tree.js';
import { flatOf, normalizeSpace, parseC, walkPlaced, type Placed } from '../parser/c/tree-sitter.js';
import { argumentsOf, flatFunctionDeclarator, flatGuardsOf, flatParameterNames, guardsIn, inFunction, macroBody, parseMacroBody } from '../sites/collect.js';
import { MAY_DEFER } from '../xen/deferrals.js';
import { BOOKKEEPING_CALLS } from '../xen/flush-api.js';
import { buildFlowGraph, type BodyCall } from './cfg.js';
import { irqOffCalls, MAY_DISABLE_IRQS } from './irq-off.js';
import { fitted } from '../util/fitted.js';

/**
 * One walk over one parsed image yields what the classifier needs, as plain
 * data: every function's calls (arguments, guards, the label they sit under),
 * the facts that make a function a root (type_info writes under PGT_type_mask,
 * freed-page TLB bookkeeping, MEMF_no_tlbflush setters), the control-flow graph
 * of MEMF_no_tlbflush owners, function-like macros as call-graph nodes, and
 * macros that generate functions with their file-scope invocations.
 */

const STATEMENT_TYPES = ['expression_statement', 'return_statement', 'declaration', 'goto_statement', 'if_statement', 'break_statement', 'continue_statement'];
const CONDITION_PARENTS = new Set(['if_statement', 'while_statement', 'do_statement', 'for_statement', 'conditional_expression', 'switch_statement']);
const NO_TLBFLUSH = 'MEMF_no_tlbflush';
const NEED_TLBFLUSH = 'need_tlbflush';
const ACCUMULATE = new Set(BOOKKEEPING_CALLS);

/** Row → file line for a node of an image's flat tree: fragments map through `rows`, synthetic rows borrow a neighbour. */
export function flatLineMapper(image: ParsedImage): (flat: FlatTree, index: number) => number {
  const lineOfRows = rowsLineMapper(image);
  return (flat, index) => lineOfRows(flat.row(flat.start(index)), flat.row(flat.end(index)));
}

/** lineMapper for a node given by its first and last rows. */
function rowsLineMapper(image: ParsedImage): (first: number, last: number) => number {
  return (first, last) => {
    for (let r = first; r <= last; r++) {
      const line = image.rows[r]?.fileLine ?? (image.wholeFile ? r + 1 : 0);
      if (line > 0) return line;
    }
    for (let r = first - 1; r >= 0; r--) {
      const line = image.rows[r]?.fileLine ?? 0;
      if (line > 0) return line;
    }
    return 0;
  };
}

/** Inside the condition of an if, loop, switch or `?:` (below `stop`, the function definition). */
function inCondition(flat: FlatTree, node: number, stop: number): boolean {
  let child = node;
  for (let p = flat.parent(node); p >= 0 && p !== stop; child = p, p = flat.parent(p)) {
    const type = flat.type(p);
    if (CONDITION_PARENTS.has(type) && flat.childForField(p, 'condition') === child) return true;
    if (type.endsWith('_statement') || type === 'declaration') return false;
  }
  return false;
}

/** Under a `~`: the flag is being cleared, not set. */
function complemented(flat: FlatTree, node: number, stop: number): boolean {
  for (let p = flat.parent(node); p >= 0 && p !== stop; p = flat.parent(p)) {
    const type = flat.type(p);
    if (type === 'unary_expression') {
      const operator = flat.childForField(p, 'operator');
      if (operator >= 0 && flat.text(operator) === '~') return true;
    }
    if (type.endsWith('_statement') || type === 'argument_list' || type === 'assignment_expression') return false;
  }
  return false;
}

/** The expression that receives a value: `a->memflags |= F` → `a->memflags`; `unsigned int f = F` → `f`. */
function receiver(flat: FlatTree, node: number, stop: number): string | undefined {
  const fieldText = (p: number, field: string): string => {
    const c = flat.childForField(p, field);
    return c < 0 ? '' : flat.text(c);
  };
  for (let p = flat.parent(node); p >= 0 && p !== stop; p = flat.parent(p)) {
    const type = flat.type(p);
    if (type === 'assignment_expression') return normalizeSpace(fieldText(p, 'left'));
    if (type === 'init_declarator') return normalizeSpace(fieldText(p, 'declarator'));
    if (type === 'argument_list' || type.endsWith('_statement')) return undefined;
  }
  return undefined;
}

const ASSIGNMENT = new Set(['assignment_expression']);
const IDENTIFIER = new Set(['identifier']);

/** Labels per block (flat-tree indices), so the label before a call is found without rescanning siblings. */
class LabelIndex {
  private readonly byBlock = new WeakMap<Placed, { start: number; index: number }[]>();
  private labelsOf(block: Placed): { start: number; index: number }[] {
    let labels = this.byBlock.get(block);
    if (!labels) {
      const { flat } = block;
      labels = flat
        .namedChildren(block.index)
        .filter((c) => flat.type(c) === 'labeled_statement')
        .map((index) => ({ start: flat.start(index), index }));
      this.byBlock.set(block, labels);
    }
    return labels;
  }
  /** The nearest label at or before `node` in the blocks that enclose it (`ancestors`: those inside its function); -1 when none. */
  before(node: Placed, ancestors: readonly Placed[]): number {
    for (let i = ancestors.length - 1; i >= 0; i--) {
      const p = ancestors[i]!;
      if (p.type === 'labeled_statement') return p.index;
      if (p.type !== 'compound_statement' && p.type !== 'case_statement') continue;
      const labels = this.labelsOf(p);
      // A label among the block's children that starts before the node precedes the child holding it.
      for (let j = labels.length - 1; j >= 0; j--) if (labels[j]!.start <= node.start) return labels[j]!.index;
    }
    return -1;
  }
}

/** What the facts of a call depend on: its function, the branches and blocks around it. */
const CALL_CONTAINERS = ['function_definition', 'if_statement', 'conditional_expression', 'compound_statement', 'case_statement', 'labeled_statement'];

/** A call met in the walk, with its enclosing nodes inside its function. */
interface PlacedCall {
  call: Placed;
  ancestors: readonly Placed[];
}

export interface SummarizeOptions {
  /** Which calls get full detail (arguments, guards, label); every call is an edge. Default: all. */
  detail?: (callee: string) => boolean;
}

interface Context {
  image: ParsedImage;
  /** The file line of a node of the flat tree. */
  lineAt: (flat: FlatTree, index: number) => number;
  calls: CallFact[];
  edges: Set<string>;
  detail: (callee: string) => boolean;
  labels: LabelIndex;
}

const EDGE = '\u0000';

function callFact(ctx: Context, placed: PlacedCall, caller: string | null): CallFact | undefined {
  const { flat, index, start } = placed.call;
  const fn = flat.childForField(index, 'function');
  if (fn < 0 || flat.type(fn) !== 'identifier') return undefined;
  const label = ctx.labels.before(placed.call, placed.ancestors);
  const labelField = label < 0 ? -1 : flat.childForField(label, 'label');
  const labelName = labelField < 0 ? undefined : flat.text(labelField);
  return {
    callee: flat.text(fn),
    caller,
    args: argumentsOf(flat, index),
    guards: guardsIn(placed.call, placed.ancestors),
    file: ctx.image.file,
    line: ctx.lineAt(flat, index),
    column: flat.column(start) + 1,
    text: normalizeSpace(flat.text(index)),
    ...(label >= 0 && labelName ? { label: { name: labelName, line: ctx.lineAt(flat, label) } } : {}),
  };
}

function isPartial(image: ParsedImage, def: Placed, wrapper: boolean): boolean {
  if (image.wholeFile) return false;
  if (wrapper) return true;
  for (let r = def.flat.row(def.start), last = def.flat.row(def.end); r <= last; r++) if (image.rows[r]?.change === 'synthetic') return true;
  return false;
}

/** The name a function definition gives (the hunk header's for the synthetic wrapper), and its declarator (-1 when none). */
function definedName(image: ParsedImage, def: Placed): { name: string | null; wrapper: boolean; declarator: number } {
  const { flat } = def;
  const declarator = flatFunctionDeclarator(flat, def.index);
  const named = declarator < 0 ? -1 : flat.childForField(declarator, 'declarator');
  const declared = named < 0 ? undefined : flat.text(named);
  const wrapper = declared === WRAPPER_FUNCTION;
  return { name: (wrapper ? image.enclosingFunction : declared) ?? null, wrapper, declarator };
}

/** Whether a definition's own specifiers hold `inline`, or say `static`. */
function specifiers(def: Placed): { inline: boolean; isStatic: boolean } {
  const { flat } = def;
  let inline = false;
  let isStatic = false;
  for (const c of flat.children(def.index)) {
    const type = flat.type(c);
    if (type !== 'storage_class_specifier' && type !== 'type_qualifier') continue;
    const text = flat.text(c);
    if (text.includes('inline')) inline = true;
    if (type === 'storage_class_specifier' && text === 'static') isStatic = true;
  }
  return { inline, isStatic };
}

function summarizeFunction(ctx: Context, placedDef: Placed, calls: readonly PlacedCall[], statements: number): FunctionFacts | undefined {
  const { name, wrapper, declarator } = definedName(ctx.image, placedDef);
  const { flat } = placedDef;
  const bodyIndex = flat.childForField(placedDef.index, 'body');
  if (declarator < 0 || bodyIndex < 0) return undefined;
  const { image } = ctx;
  const stepAt = (flat: FlatTree, index: number, message: string): EvidenceStep => ({ file: image.file, line: ctx.lineAt(flat, index), function: name ?? null, message });
  const lineAt = (index: number): number => ctx.lineAt(flat, index);

  const bodyCalls: BodyCall[] = [];
  const typeInfoWrites: EvidenceStep[] = [];
  const bookkeeping: EvidenceStep[] = [];
  /** tlbflush_filter() calls, with the stamp each one filters by. */
  const filters: { step: EvidenceStep; stamp: string }[] = [];
  const bookkeepingFlags = new Set([NEED_TLBFLUSH]);
  const text = flat.text(bodyIndex);
  // Arguments are read only where a fact depends on them.
  const mayDefer = MAY_DEFER.test(text);
  const argsMatter = text.includes('type_info') || text.includes(NO_TLBFLUSH) || mayDefer;
  for (const placed of calls) {
    const { index } = placed.call;
    const fn = flat.childForField(index, 'function');
    if (fn < 0 || flat.type(fn) !== 'identifier') continue;
    const callee = flat.text(fn);
    if (name) ctx.edges.add(`${name}${EDGE}${callee}`);
    const accumulates = ACCUMULATE.has(callee);
    const fact = ctx.detail(callee) || accumulates ? callFact(ctx, placed, name ?? null) : undefined;
    if (fact) ctx.calls.push(fact);
    if (callee === 'tlbflush_filter') {
      filters.push({
        step: stepAt(flat, index, `narrows the flush to CPUs that may still cache the freed pages it reuses: ${normalizeSpace(flat.text(index))}`),
        stamp: normalizeSpace(argumentsOf(flat, index)[1] ?? ''),
      });
    }
    if (!argsMatter && !accumulates) continue;
    const args = fact?.args ?? argumentsOf(flat, index);
    const written = fact?.text ?? normalizeSpace(flat.text(index));
    bodyCalls.push({ name: callee, args, start: placed.call.start, end: placed.call.end });
    if (args.some((a) => /^&.*\btype_info$/.test(a))) typeInfoWrites.push(stepAt(flat, index, `writes the page's type_info: ${written}`));
    if (accumulates) {
      bookkeeping.push(stepAt(flat, index, `accumulates the TLB-flush stamps of the pages it takes: ${written}`));
      const flag = /^&\s*([A-Za-z_]\w*)$/.exec(args[0] ?? '')?.[1];
      if (flag) bookkeepingFlags.add(flag);
    }
  }

  const typeMaskWrites: EvidenceStep[] = [];
  // Evaluated after the loop: see below.
  if (text.includes('type_info') || text.includes('PGT_type_mask')) {
    for (const a of flat.descendantsOfType(bodyIndex, ASSIGNMENT)) {
      const left = flat.childForField(a, 'left');
      const field = left >= 0 && flat.type(left) === 'field_expression' ? flat.childForField(left, 'field') : -1;
      const whole = normalizeSpace(flat.text(a));
      if (field >= 0 && flat.text(field) === 'type_info') typeInfoWrites.push(stepAt(flat, a, `writes the page's type_info: ${whole}`));
      if (whole.includes('PGT_type_mask')) typeMaskWrites.push(stepAt(flat, a, `changes the type under PGT_type_mask: ${whole}`));
    }
  }

  // tlbflush_filter() is the freed-page bookkeeping of an allocator, but type
  // changes filter too (_get_page_type) and inline helpers filter for their
  // callers (filtered_flush_tlb_mask): only there does it not make a root.
  // A flag the function was handed (a helper's parameter) is someone else's debt.
  const paramList = wrapper ? [] : flatParameterNames(flat, declarator);
  const params = new Set(paramList);
  // The same for a stamp handed in: that wrapper filters for its caller.
  const { inline, isStatic } = specifiers(placedDef);
  // Shadow code filters its own pool's stamps: DOMAIN.md rule 4 lists it with the
  // flushes an assisted flush serves (shadow_alloc in Xen 4.17).
  const shadowCode = /(^|\/)mm\/shadow\//.test(ctx.image.file);
  if (!inline && !shadowCode && typeInfoWrites.length === 0 && typeMaskWrites.length === 0) {
    bookkeeping.push(...filters.filter((f) => !params.has(f.stamp)).map((f) => f.step));
  }
  if (text.includes(NEED_TLBFLUSH)) {
    for (const id of flat.descendantsOfType(bodyIndex, IDENTIFIER)) {
      const idText = flat.text(id);
      if (!bookkeepingFlags.has(idText) || params.has(idText) || !inCondition(flat, id, placedDef.index)) continue;
      bookkeeping.push(stepAt(flat, id, `tests ${idText}, the flush it accumulated for the freed pages it reuses`));
    }
  }

  const noTlbflushSets: EvidenceStep[] = [];
  const setters: number[] = [];
  const flagsHolders = new Set<string>();
  if (text.includes(NO_TLBFLUSH)) {
    const def = placedDef.index;
    for (const id of flat.descendantsOfType(bodyIndex, IDENTIFIER)) {
      if (flat.text(id) !== NO_TLBFLUSH || inCondition(flat, id, def) || complemented(flat, id, def)) continue;
      setters.push(flat.start(id));
      const holder = receiver(flat, id, def);
      if (holder) flagsHolders.add(holder);
      let statement = id;
      while (flat.parent(statement) >= 0 && !flat.type(statement).endsWith('_statement') && flat.type(statement) !== 'declaration') statement = flat.parent(statement);
      noTlbflushSets.push(stepAt(flat, id, `${holder ? `sets MEMF_no_tlbflush in ${holder}` : 'passes MEMF_no_tlbflush'}: ${normalizeSpace(flat.text(statement)).slice(0, 100)}`));
    }
  }

  const partial = !image.wholeFile && isPartial(image, placedDef, wrapper);
  const facts: FunctionFacts = {
    name: name ?? '',
    file: image.file,
    line: ctx.lineAt(flat, wrapper ? bodyIndex : declarator),
    endLine: image.rows[flat.row(placedDef.end)]?.fileLine ?? 0,
    form: inline ? 'inline-function' : 'function',
    params: paramList,
    partial,
    exported: image.file.endsWith('.h') || !isStatic,
    statements,
    typeInfoWrites,
    typeMaskWrites,
    bookkeeping,
    noTlbflushSets,
  };
  // MEMF_no_tlbflush owners and functions that may open another deferral get a graph (obligations.ts, deferral-releases.ts).
  if ((noTlbflushSets.length > 0 || mayDefer) && !partial) {
    facts.flow = buildFlowGraph({ flat, body: bodyIndex, lineAt, calls: bodyCalls, setters, flagsHolders: [...flagsHolders], bookkeepingFlags, deferrals: true });
  }
  // Every form the pattern matches names `irq`: the plain search spares most bodies the regular expression.
  if (text.includes('irq') && MAY_DISABLE_IRQS.test(text)) {
    const all = calls.flatMap(({ call: { index, start, end } }) => {
      const fn = flat.childForField(index, 'function');
      return fn >= 0 && flat.type(fn) === 'identifier' ? [{ name: flat.text(fn), args: argumentsOf(flat, index), start, end, line: ctx.lineAt(flat, index) }] : [];
    });
    const flow = buildFlowGraph({ flat, body: bodyIndex, lineAt, calls: all, setters: [], flagsHolders: [], bookkeepingFlags: new Set() });
    const off = irqOffCalls(flow, all);
    if (off.length > 0) facts.irqOffCalls = off;
  }
  return name ? facts : undefined;
}

/** A function-like macro: a call-graph node whose calls are read from its body. */
function summarizeMacro(ctx: Context, def: Placed, generators: GeneratorMacro[]): FunctionFacts | undefined {
  const { flat, index } = def;
  const nameAt = flat.childForField(index, 'name');
  const name = nameAt < 0 ? undefined : flat.text(nameAt);
  const value = flat.childForField(index, 'value');
  if (!name || value < 0) return undefined;
  const paramList = flat.childForField(index, 'parameters');
  const params = paramList < 0 ? [] : flat.namedChildren(paramList).map((p) => flat.text(p));
  const body = macroBody(flat.text(value));
  const line = ctx.lineAt(flat, index);
  if (body.includes('{') && body.includes('(')) {
    // A body that parses as a function definition generates one per invocation.
    const tree = parseC(body);
    if (tree.rootNode.namedChildren.some((c) => c.type === 'function_definition')) {
      generators.push({ name, params, body, file: ctx.image.file, line });
      return undefined;
    }
  }
  if (body.includes('(')) {
    const bodyFlat = flatOf(parseMacroBody(body));
    for (const call of bodyFlat.descendantsOfType(0, CALL)) {
      const fn = bodyFlat.childForField(call, 'function');
      if (fn < 0 || bodyFlat.type(fn) !== 'identifier') continue;
      const callee = bodyFlat.text(fn);
      ctx.edges.add(`${name}${EDGE}${callee}`);
      // Macro bodies are small and not revisited: their calls always come in detail.
      ctx.calls.push({
        callee,
        caller: name,
        args: argumentsOf(bodyFlat, call),
        guards: flatGuardsOf(bodyFlat, call),
        file: ctx.image.file,
        line,
        column: 1,
        text: normalizeSpace(bodyFlat.text(call)),
      });
    }
  }
  return {
    name,
    file: ctx.image.file,
    line,
    endLine: line,
    form: 'function-macro',
    params,
    partial: false,
    exported: true,
    statements: 1,
    typeInfoWrites: [],
    typeMaskWrites: [],
    bookkeeping: [],
    noTlbflushSets: [],
  };
}

const CALL = new Set(['call_expression']);

/** File-scope statements that are macro invocations (`DEFINE_FLUSHER(l1, true)`). */
function invocationsIn(ctx: Context, flat: FlatTree, node: number, out: MacroInvocation[]): void {
  for (const child of flat.namedChildren(node)) {
    const type = flat.type(child);
    if (type === 'expression_statement') {
      const call = flat.namedChildren(child)[0];
      if (call === undefined || flat.type(call) !== 'call_expression') continue;
      const fn = flat.childForField(call, 'function');
      if (fn >= 0 && flat.type(fn) === 'identifier') out.push({ macro: flat.text(fn), args: argumentsOf(flat, call), file: ctx.image.file, line: ctx.lineAt(flat, call) });
    } else if (type.startsWith('preproc_if') || type === 'preproc_else' || type.startsWith('preproc_elif')) {
      invocationsIn(ctx, flat, child, out);
    }
  }
}

function context(image: ParsedImage, detail: (callee: string) => boolean): Context {
  return {
    image,
    lineAt: flatLineMapper(image),
    calls: [],
    edges: new Set(),
    detail,
    labels: new LabelIndex(),
  };
}

const TRAVERSED = ['function_definition', 'preproc_function_def', 'call_expression', ...STATEMENT_TYPES];

/** Everything the classifier needs from one parsed image, in one native traversal. */
export function summarizeImage(image: ParsedImage, options: SummarizeOptions = {}): FileFacts {
  const ctx = context(image, options.detail ?? (() => true));
  const functions: FunctionFacts[] = [];
  const generators: GeneratorMacro[] = [];
  const invocations: MacroInvocation[] = [];
  // Pre-order: a definition comes before what it contains.
  let current: { def: Placed; end: number; calls: PlacedCall[]; statements: number } | undefined;
  const close = (): void => {
    if (!current) return;
    const facts = summarizeFunction(ctx, current.def, current.calls, current.statements);
    if (facts) functions.push(facts);
    current = undefined;
  };
  walkPlaced(imageFlat(image), TRAVERSED, CALL_CONTAINERS, (placed, ancestors) => {
    if (current && placed.start >= current.end) close();
    const type = placed.type;
    if (type === 'function_definition') {
      close();
      current = { def: placed, end: placed.end, calls: [], statements: 0 };
    } else if (type === 'preproc_function_def') {
      const facts = summarizeMacro(ctx, placed, generators);
      if (facts) functions.push(facts);
    } else if (current) {
      if (type === 'call_expression') {
        // inFunction copies what lies below the function; the walk's own stack (no function around) must be copied here.
        const inside = inFunction(ancestors);
        current.calls.push({ call: placed, ancestors: inside === ancestors ? inside.slice() : inside });
      } else current.statements++;
    }
  });
  close();
  invocationsIn(ctx, imageFlat(image), 0, invocations);
  const edges = [...ctx.edges].sort().map((e) => e.split(EDGE) as [string, string]);
  return { file: image.file, side: image.side, wholeFile: image.wholeFile, functions: fitted(functions), edges, calls: fitted(ctx.calls), generators, invocations };
}

/** The calls `accept` asks for, in detail: a second look at a tree file once the helpers are known. */
export function detailedCalls(image: ParsedImage, callees: ReadonlySet<string>, accept: (caller: string, callee: string) => boolean): CallFact[] {
  const ctx = context(image, () => true);
  const out: CallFact[] = [];
  walkPlaced(imageFlat(image), ['call_expression'], CALL_CONTAINERS, (call, ancestors) => {
    const fn = call.flat.childForField(call.index, 'function');
    if (fn < 0 || call.flat.type(fn) !== 'identifier' || !callees.has(call.flat.text(fn))) return;
    let def: Placed | undefined;
    for (const a of ancestors) if (a.type === 'function_definition') def = a;
    const caller = def ? definedName(image, def).name : null;
    if (!def || caller === null || !accept(caller, call.flat.text(fn))) return;
    const fact = callFact(ctx, { call, ancestors: inFunction(ancestors) }, caller);
    if (fact) out.push(fact);
  });
  return out;
}
