import type { Collected, ParsedImage } from '../types.js';
import { NOT_SHOWN_CONDITION, WRAPPER_FUNCTION } from '../parser/c/images.js';
import { isWithin, normalizeSpace, parseSnippet, unparenthesize, walkPlaced, type Placed, type SyntaxNode, type Tree } from '../parser/c/tree-sitter.js';
import { BOOKKEEPING_CALLS, BOOKKEEPING_IDENTIFIERS } from '../xen/flush-api.js';

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
  const root = options.within ?? image.tree.rootNode;
  walkPlaced(root, VISITED_TYPES, CONTAINER_TYPES, (node, ancestors) => visit(node, ancestors, image, out, options));
  // Identifiers are many; only a text that names the bookkeeping can hold a use.
  if (options.callsIn === undefined && BOOKKEEPING_IDENTIFIERS.some((name) => image.text.includes(name))) {
    walkPlaced(root, ['identifier', 'field_identifier'], CONTAINER_TYPES, (node, ancestors) => {
      if (BOOKKEEPING_ID.has(node.node.text)) visit(node, ancestors, image, out, options);
    });
  }
  return out;
}

function visit(placed: Placed, ancestors: readonly Placed[], image: ParsedImage, out: Collected, options: CollectOptions): void {
  const node = placed.node;
  switch (placed.type) {
    case 'call_expression': {
      if (options.callsIn !== undefined && enclosingIn(ancestors, image) !== options.callsIn) return;
      const fn = node.childForFieldName('function');
      if (fn?.type !== 'identifier') return;
      if (options.calls && !options.calls(fn.text)) return;
      const args =
        node
          .childForFieldName('arguments')
          ?.namedChildren.filter((a) => a.type !== 'comment')
          .map((a) => normalizeSpace(a.text)) ?? [];
      const inArguments = inFunction(ancestors).some((a) => a.type === 'argument_list');
      out.calls.push({ name: fn.text, node, args, enclosing: enclosingIn(ancestors, image), guards: guardsIn(placed, ancestors), image, ...(inArguments ? { inArguments } : {}) });
      return;
    }
    case 'identifier':
    case 'field_identifier':
      if (BOOKKEEPING_ID.has(node.text)) out.uses.push({ name: node.text, node, enclosing: enclosingIn(ancestors, image), guards: guardsIn(placed, ancestors), image });
      return;
    case 'preproc_def':
    case 'preproc_function_def': {
      const name = node.childForFieldName('name');
      if (!name) return;
      const value = node.childForFieldName('value');
      const body = value ? macroBody(value.text) : undefined;
      const params = node.type === 'preproc_function_def' ? (node.childForFieldName('parameters')?.namedChildren.map((p) => p.text) ?? []) : undefined;
      out.definitions.push({
        name: name.text,
        form: node.type === 'preproc_def' ? 'object-macro' : 'function-macro',
        ...(params ? { params } : {}),
        ...(body !== undefined ? { body } : {}),
        references: body && options.references !== false ? identifiersIn(body) : new Set(),
        conditions: conditionsIn(placed, ancestors),
        node,
        head: node,
        image,
      });
      return;
    }
    case 'function_definition': {
      const declarator = functionDeclarator(node.childForFieldName('declarator'));
      const name = declarator?.childForFieldName('declarator');
      if (!declarator || !name || name.text === WRAPPER_FUNCTION) return;
      const body = node.childForFieldName('body');
      const isInline = node.children.some((c) => (c.type === 'storage_class_specifier' || c.type === 'type_qualifier') && c.text.includes('inline'));
      out.definitions.push({
        name: name.text,
        form: isInline ? 'inline-function' : 'function',
        params: parameterNames(declarator),
        ...(body ? { body: body.text } : {}),
        references: new Set(),
        conditions: conditionsIn(placed, ancestors),
        node,
        head: declarator,
        image,
      });
      return;
    }
    case 'declaration': {
      const declarator = functionDeclarator(node.childForFieldName('declarator'));
      const name = declarator?.childForFieldName('declarator');
      if (!declarator || name?.type !== 'identifier') return;
      out.definitions.push({
        name: name.text,
        form: 'declaration',
        params: parameterNames(declarator),
        references: new Set(),
        conditions: conditionsIn(placed, ancestors),
        node,
        head: node,
        image,
      });
      return;
    }
  }
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

export function parameterNames(declarator: SyntaxNode): string[] {
  const list = declarator.childForFieldName('parameters');
  if (!list) return [];
  const names: string[] = [];
  for (const param of list.namedChildren) {
    if (param.type !== 'parameter_declaration') continue;
    let d = param.childForFieldName('declarator');
    while (d && d.type !== 'identifier') d = d.childForFieldName('declarator') ?? d.namedChildren.find((c) => c.type === 'identifier') ?? null;
    names.push(d?.text ?? '');
  }
  return names;
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
      name = definedFunctionName(a.node, image);
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

/** The condition and else branch of an if or `?:`, read once per node. */
const branchParts = new WeakMap<Placed, { condition: SyntaxNode | null; alternative: SyntaxNode | null }>();
function partsOf(branch: Placed): { condition: SyntaxNode | null; alternative: SyntaxNode | null } {
  let parts = branchParts.get(branch);
  if (!parts) {
    parts = { condition: branch.node.childForFieldName('condition'), alternative: branch.node.childForFieldName('alternative') };
    branchParts.set(branch, parts);
  }
  return parts;
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

/** guardsOf from a walk's ancestors (which must include the if statements and `?:` around it). */
export function guardsIn(node: Placed, ancestors: readonly Placed[]): string[] {
  const guards: string[] = [];
  for (const a of inFunction(ancestors)) {
    if (a.type !== 'if_statement' && a.type !== 'conditional_expression') continue;
    const { condition, alternative } = partsOf(a);
    if (!condition || isWithin(node, condition)) continue;
    guards.push(isWithin(node, alternative) ? `!(${unparenthesize(condition)})` : unparenthesize(condition));
  }
  return guards;
}

function preprocessorCondition(node: SyntaxNode): string {
  if (node.type === 'preproc_ifdef') {
    const name = node.childForFieldName('name')?.text ?? NOT_SHOWN_CONDITION;
    return node.child(0)?.text === '#ifndef' ? `!defined(${name})` : `defined(${name})`;
  }
  return normalizeSpace(node.childForFieldName('condition')?.text ?? NOT_SHOWN_CONDITION);
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
    const condition = preprocessorCondition(a.node);
    conditions.push(isWithin(node, partsOf(a).alternative) ? `!(${condition})` : condition);
  }
  return conditions;
}

export const isBookkeepingCall = (name: string): boolean => BOOKKEEPING_CALLS.includes(name);
