import type { Collected, CollectedCall, ParsedImage } from '../types.js';
import { imageFlat, NOT_SHOWN_CONDITION, WRAPPER_FUNCTION } from '../parser/c/images.js';
import type { FlatTree } from '../parser/c/flat-tree.js';
import { isWithin, normalizeSpace, parseSnippet, unparenthesize, walkPlaced, type Placed, type SyntaxNode, type Tree } from '../parser/c/tree-sitter.js';
import { BOOKKEEPING_CALLS, BOOKKEEPING_IDENTIFIERS } from '../xen/flush-api.js';
import { fitted } from '../util/fitted.js';

const BOOKKEEPING_ID = new Set(BOOKKEEPING_IDENTIFIERS);

export interface CollectOptions {
  /** Collect only calls to names this accepts (a whole-tree scan asks for the flush family). */
  calls?: (name: string) => boolean;
  /** Read macro bodies for the names they reference (default true; site finding alone does not need them). */
  references?: boolean;
  /** Collect only the calls made inside functions of this name, and no uses: one function of a large file. */
  callsIn?: string;
  /** Walk only this node of the image (one function): what encloses it is not seen. */
  within?: SyntaxNode;
}

const VISITED_TYPES = ['call_expression', 'preproc_def', 'preproc_function_def', 'function_definition', 'declaration'];
/** What a visited node's facts depend on: its function, branches, `#if`s, and an enclosing call's arguments. */
const PREPROCESSOR_CONDITIONALS = ['preproc_if', 'preproc_ifdef', 'preproc_elif', 'preproc_elifdef'];
const BRANCHES = ['if_statement', 'conditional_expression'];
const CONTAINER_TYPES = ['function_definition', ...BRANCHES, 'argument_list', ...PREPROCESSOR_CONDITIONALS];

/** One native traversal per node kind of interest, in document order. */
export function collect(image: ParsedImage, options: CollectOptions = {}): Collected {
  const out: Collected = { definitions: [], calls: [], uses: [] };
  walkPlaced(imageFlat(image), VISITED_TYPES, CONTAINER_TYPES, (node, ancestors) => visit(node, ancestors, image, out, options), options.within);
  // Identifiers are many; only a text that names the bookkeeping can hold a use.
  if (options.callsIn === undefined && BOOKKEEPING_IDENTIFIERS.some((name) => image.text.includes(name))) {
    walkPlaced(
      imageFlat(image),
      ['identifier', 'field_identifier'],
      CONTAINER_TYPES,
      (node, ancestors) => {
        if (BOOKKEEPING_ID.has(node.flat.text(node.index))) visit(node, ancestors, image, out, options);
      },
      options.within,
    );
  }
  // Kept for the patch's stages, an image's lists by the ten thousand.
  return { definitions: fitted(out.definitions), calls: fitted(out.calls), uses: fitted(out.uses) };
}

// Read from the flat tree. Records make their SyntaxNodes when read and do not keep them: a node holds its whole tree.
function visit(placed: Placed, ancestors: readonly Placed[], image: ParsedImage, out: Collected, options: CollectOptions): void {
  const { flat, index } = placed;
  switch (placed.type) {
    case 'call_expression': {
      if (options.callsIn !== undefined && enclosingIn(ancestors, image) !== options.callsIn) return;
      const fn = flat.childForField(index, 'function');
      if (fn < 0 || flat.type(fn) !== 'identifier') return;
      const name = flat.text(fn);
      if (options.calls && !options.calls(name)) return;
      const inArguments = inFunction(ancestors).some((a) => a.type === 'argument_list');
      out.calls.push(new CallRecord(placed, name, argumentsOf(flat, index), enclosingIn(ancestors, image), guardsIn(placed, ancestors), image, inArguments));
      return;
    }
    case 'identifier':
    case 'field_identifier': {
      const name = flat.text(index);
      if (BOOKKEEPING_ID.has(name))
        out.uses.push({
          name,
          get node() {
            return placed.node;
          },
          enclosing: enclosingIn(ancestors, image),
          guards: guardsIn(placed, ancestors),
          image,
          at: index,
        });
      return;
    }
    case 'preproc_def':
    case 'preproc_function_def': {
      const name = flat.childForField(index, 'name');
      if (name < 0) return;
      const value = flat.childForField(index, 'value');
      const body = value >= 0 ? macroBody(flat.text(value)) : undefined;
      const paramList = placed.type === 'preproc_function_def' ? flat.childForField(index, 'parameters') : -1;
      const params = placed.type === 'preproc_function_def' ? (paramList >= 0 ? flat.namedChildren(paramList).map((p) => flat.text(p)) : []) : undefined;
      const readsBody = Boolean(body) && options.references !== false;
      let references: Set<string> | undefined;
      out.definitions.push({
        name: flat.text(name),
        form: placed.type === 'preproc_def' ? 'object-macro' : 'function-macro',
        ...(params ? { params } : {}),
        ...(body !== undefined ? { body } : {}),
        // Parsed when first read: most of a header's macros are never asked (see extendFamily).
        get references() {
          references ??= readsBody ? identifiersIn(body!) : new Set();
          return references;
        },
        conditions: conditionsIn(placed, ancestors),
        get node() {
          return placed.node;
        },
        get head() {
          return placed.node;
        },
        image,
        at: index,
        headAt: index,
      });
      return;
    }
    case 'function_definition': {
      const declarator = flatFunctionDeclarator(flat, index);
      const name = declarator < 0 ? -1 : flat.childForField(declarator, 'declarator');
      if (declarator < 0 || name < 0 || flat.text(name) === WRAPPER_FUNCTION) return;
      const body = flat.childForField(index, 'body');
      const isInline = flat.children(index).some((c) => (flat.type(c) === 'storage_class_specifier' || flat.type(c) === 'type_qualifier') && flat.text(c).includes('inline'));
      out.definitions.push({
        name: flat.text(name),
        form: isInline ? 'inline-function' : 'function',
        params: flatParameterNames(flat, declarator),
        ...(body >= 0 ? { body: flat.text(body) } : {}),
        references: new Set(),
        conditions: conditionsIn(placed, ancestors),
        get node() {
          return placed.node;
        },
        get head() {
          return flat.node(declarator);
        },
        image,
        at: index,
        headAt: declarator,
      });
      return;
    }
    case 'declaration': {
      const declarator = flatFunctionDeclarator(flat, index);
      const name = declarator < 0 ? -1 : flat.childForField(declarator, 'declarator');
      if (declarator < 0 || name < 0 || flat.type(name) !== 'identifier') return;
      out.definitions.push({
        name: flat.text(name),
        form: 'declaration',
        params: flatParameterNames(flat, declarator),
        references: new Set(),
        conditions: conditionsIn(placed, ancestors),
        get node() {
          return placed.node;
        },
        get head() {
          return placed.node;
        },
        image,
        at: index,
        headAt: index,
      });
      return;
    }
  }
}

/** A collected call whose SyntaxNode is made only when read (most never are). */
class CallRecord implements CollectedCall {
  readonly start: number;
  readonly end: number;
  readonly row: number;
  readonly column: number;
  readonly inArguments?: boolean;
  /** The call's flat index; the walk's placed node is not kept (a call is one of 100k on a large patch). */
  readonly at: number;
  private readonly flat: FlatTree;
  constructor(
    placed: Placed,
    readonly name: string,
    readonly args: string[],
    readonly enclosing: string | null,
    readonly guards: string[],
    readonly image: ParsedImage,
    inArguments: boolean,
  ) {
    this.flat = placed.flat;
    this.at = placed.index;
    this.start = placed.start;
    this.end = placed.end;
    this.row = placed.flat.row(placed.start);
    this.column = placed.flat.column(placed.start);
    if (inArguments) this.inArguments = true;
  }
  get node(): SyntaxNode {
    return this.flat.node(this.at);
  }
}

/** A call's arguments as written (comments left out, white space collapsed). */
export function argumentsOf(flat: FlatTree, call: number): string[] {
  const list = flat.childForField(call, 'arguments');
  if (list < 0) return [];
  const args: string[] = [];
  for (const a of flat.namedChildren(list)) if (flat.type(a) !== 'comment') args.push(normalizeSpace(flat.text(a)));
  return fitted(args);
}

/** functionDeclarator on the flat tree, from a definition or declaration: -1 when none. */
export function flatFunctionDeclarator(flat: FlatTree, def: number): number {
  let current = flat.childForField(def, 'declarator');
  while (current >= 0) {
    if (flat.type(current) === 'function_declarator') return current;
    current = flat.childForField(current, 'declarator');
  }
  return -1;
}

/** The names of a function declarator's parameters ('' for an unnamed one), on the flat tree. */
export function flatParameterNames(flat: FlatTree, declarator: number): string[] {
  const list = flat.childForField(declarator, 'parameters');
  if (list < 0) return [];
  const names: string[] = [];
  for (const param of flat.namedChildren(list)) {
    if (flat.type(param) !== 'parameter_declaration') continue;
    let d = flat.childForField(param, 'declarator');
    while (d >= 0 && flat.type(d) !== 'identifier') {
      const inner = flat.childForField(d, 'declarator');
      d = inner >= 0 ? inner : (flat.namedChildren(d).find((c) => flat.type(c) === 'identifier') ?? -1);
    }
    names.push(d >= 0 ? flat.text(d) : '');
  }
  return names;
}

/** Macro replacement text without line continuations. */
export function macroBody(text: string): string {
  return normalizeSpace(text.replace(/\\\n/g, ' '));
}

/** A macro body parsed as a statement in a function, which fits expression and block macros alike. */
export function parseMacroBody(body: string): Tree {
  return parseSnippet('statement', body).tree;
}

/** Identifiers in a macro body, read by tree-sitter from the body as a statement. */
export function identifiersIn(body: string): Set<string> {
  const { tree, start, end } = parseSnippet('statement', body);
  const names = new Set<string>();
  for (const node of tree.rootNode.descendantsOfType(['identifier', 'type_identifier'])) if (node.startIndex >= start && node.endIndex <= end) names.add(node.text);
  return names;
}

export function functionDeclarator(node: SyntaxNode | null): SyntaxNode | undefined {
  let current = node;
  while (current) {
    if (current.type === 'function_declarator') return current;
    current = current.childForFieldName('declarator');
  }
  return undefined;
}

/** The function a node is in: the real one, or the one the hunk header names. */
export function enclosingFunction(node: SyntaxNode, image: ParsedImage): string | null {
  for (let p = node.parent; p; p = p.parent) if (p.type === 'function_definition') return definedFunctionName(p, image);
  return null;
}

function definedFunctionName(def: SyntaxNode, image: ParsedImage): string | null {
  const name = functionDeclarator(def.childForFieldName('declarator'))?.childForFieldName('declarator')?.text;
  if (name === WRAPPER_FUNCTION) return image.enclosingFunction;
  return name ?? null;
}

const functionNames = new WeakMap<Placed, string | null>();

/** enclosingFunction from a walk's ancestors. */
export function enclosingIn(ancestors: readonly Placed[], image: ParsedImage): string | null {
  for (let i = ancestors.length - 1; i >= 0; i--) {
    const a = ancestors[i]!;
    if (a.type !== 'function_definition') continue;
    let name = functionNames.get(a);
    if (name === undefined) {
      const declarator = flatFunctionDeclarator(a.flat, a.index);
      const declared = declarator < 0 ? -1 : a.flat.childForField(declarator, 'declarator');
      const text = declared < 0 ? undefined : a.flat.text(declared);
      name = text === WRAPPER_FUNCTION ? image.enclosingFunction : (text ?? null);
      functionNames.set(a, name);
    }
    return name;
  }
  return null;
}

/** The ancestors inside the innermost enclosing function (all of them at file scope). */
export function inFunction(ancestors: readonly Placed[]): readonly Placed[] {
  for (let i = ancestors.length - 1; i >= 0; i--) if (ancestors[i]!.type === 'function_definition') return ancestors.slice(i + 1);
  return ancestors;
}

interface Range {
  startIndex: number;
  endIndex: number;
}

/** The condition and else branch of an if, `?:` or `#if`, and the condition as a guard reads it: read once per node. */
interface BranchParts {
  condition: Range | null;
  alternative: Range | null;
  /** unparenthesize(condition). */
  guard: string;
}
const branchParts = new WeakMap<Placed, BranchParts>();
function partsOf(branch: Placed): BranchParts {
  let parts = branchParts.get(branch);
  if (!parts) {
    const { flat, index } = branch;
    const condition = flat.childForField(index, 'condition');
    const alternative = flat.childForField(index, 'alternative');
    const range = (i: number): Range | null => (i < 0 ? null : { startIndex: flat.start(i), endIndex: flat.end(i) });
    parts = { condition: range(condition), alternative: range(alternative), guard: condition < 0 ? '' : flatUnparenthesize(flat, condition) };
    branchParts.set(branch, parts);
  }
  return parts;
}

/** unparenthesize on the flat tree. */
function flatUnparenthesize(flat: FlatTree, i: number): string {
  if (flat.type(i) === 'parenthesized_expression') {
    const inner = flat.namedChildren(i);
    if (inner.length === 1) return normalizeSpace(flat.text(inner[0]!));
  }
  return normalizeSpace(flat.text(i));
}

/** Branch conditions between a node and its function, outermost first. */
export function guardsOf(node: SyntaxNode): string[] {
  const guards: string[] = [];
  let child = node;
  for (let p = node.parent; p && p.type !== 'function_definition'; child = p, p = p.parent) {
    if (p.type === 'if_statement') {
      const condition = p.childForFieldName('condition');
      if (!condition || condition.id === child.id) continue;
      const inElse = p.childForFieldName('alternative')?.id === child.id;
      guards.push(inElse ? `!(${unparenthesize(condition)})` : unparenthesize(condition));
    } else if (p.type === 'conditional_expression') {
      const condition = p.childForFieldName('condition');
      if (!condition || condition.id === child.id) continue;
      const inElse = p.childForFieldName('alternative')?.id === child.id;
      guards.push(inElse ? `!(${unparenthesize(condition)})` : unparenthesize(condition));
    }
  }
  return guards.reverse();
}

/**
 * The conditions of the `if`s and `?:`s between a node and its function,
 * outermost first, each with whether the node is in its else branch. On the
 * flat tree: parents are an array read, not a descent from the root.
 */
export function flatBranchConditions(flat: FlatTree, node: number): { condition: number; inElse: boolean }[] {
  const out: { condition: number; inElse: boolean }[] = [];
  let child = node;
  for (let p = flat.parent(node); p >= 0 && flat.type(p) !== 'function_definition'; child = p, p = flat.parent(p)) {
    const type = flat.type(p);
    if (type !== 'if_statement' && type !== 'conditional_expression') continue;
    const condition = flat.childForField(p, 'condition');
    if (condition < 0 || condition === child) continue;
    out.push({ condition, inElse: flat.childForField(p, 'alternative') === child });
  }
  return out.reverse();
}

/** guardsOf on the flat tree. */
export function flatGuardsOf(flat: FlatTree, node: number): string[] {
  return flatBranchConditions(flat, node).map(({ condition, inElse }) => {
    const guard = flatUnparenthesize(flat, condition);
    return inElse ? `!(${guard})` : guard;
  });
}

/** guardsOf from a walk's ancestors (which must include the if statements and `?:` around it). */
export function guardsIn(node: Placed, ancestors: readonly Placed[]): string[] {
  const guards: string[] = [];
  for (const a of inFunction(ancestors)) {
    if (a.type !== 'if_statement' && a.type !== 'conditional_expression') continue;
    const { condition, alternative, guard } = partsOf(a);
    if (!condition || isWithin(node, condition)) continue;
    guards.push(isWithin(node, alternative) ? `!(${guard})` : guard);
  }
  return fitted(guards);
}

function preprocessorCondition(node: SyntaxNode): string {
  if (node.type === 'preproc_ifdef') {
    const name = node.childForFieldName('name')?.text ?? NOT_SHOWN_CONDITION;
    return node.child(0)?.text === '#ifndef' ? `!defined(${name})` : `defined(${name})`;
  }
  return normalizeSpace(node.childForFieldName('condition')?.text ?? NOT_SHOWN_CONDITION);
}

/** preprocessorCondition on the flat tree. */
function flatPreprocessorCondition(flat: FlatTree, i: number): string {
  if (flat.type(i) === 'preproc_ifdef') {
    const name = flat.childForField(i, 'name');
    const named = name < 0 ? NOT_SHOWN_CONDITION : flat.text(name);
    const first = i + 1 < flat.subtreeEnd(i) ? flat.text(i + 1) : undefined;
    return first === '#ifndef' ? `!defined(${named})` : `defined(${named})`;
  }
  const condition = flat.childForField(i, 'condition');
  return normalizeSpace(condition < 0 ? NOT_SHOWN_CONDITION : flat.text(condition));
}

/** `#if`/`#ifdef`/`#elif`/`#else` around a node, outermost first; an else
 *  branch is `!(cond)`. */
export function preprocessorConditions(node: SyntaxNode): string[] {
  const conditions: string[] = [];
  let child = node;
  for (let p = node.parent; p; child = p, p = p.parent) {
    if (p.type !== 'preproc_if' && p.type !== 'preproc_ifdef' && p.type !== 'preproc_elif' && p.type !== 'preproc_elifdef') continue;
    const inAlternative = p.childForFieldName('alternative')?.id === child.id;
    const condition = preprocessorCondition(p);
    conditions.push(inAlternative ? `!(${condition})` : condition);
  }
  return conditions.reverse();
}

/** preprocessorConditions from a walk's ancestors (which must include the `#if`s around it). */
export function conditionsIn(node: Placed, ancestors: readonly Placed[]): string[] {
  const conditions: string[] = [];
  for (const a of ancestors) {
    if (a.type !== 'preproc_if' && a.type !== 'preproc_ifdef' && a.type !== 'preproc_elif' && a.type !== 'preproc_elifdef') continue;
    const condition = flatPreprocessorCondition(a.flat, a.index);
    conditions.push(isWithin(node, partsOf(a).alternative) ? `!(${condition})` : condition);
  }
  return conditions;
}

export const isBookkeepingCall = (name: string): boolean => BOOKKEEPING_CALLS.includes(name);
