import type { CollectedCall } from '../types.js';
import { collect } from '../sites/collect.js';
import { flatOf, normalizeSpace, parseExpression, parseSnippet, type Snippet, type SyntaxNode, type Tree } from '../parser/c/tree-sitter.js';

/**
 * Parameter substitution on tree-sitter tokens, the one used everywhere a
 * body or a condition is read with a caller's arguments: the text is parsed as
 * the statement it would become, and the tokens that name parameters are
 * replaced by the arguments. A macro's are replaced as the preprocessor does,
 * every identifier token (`#` and `##` are not modelled); a C function's as C
 * scopes names, so a member name (`r->sync`) is never a parameter.
 */

/** Tokens the preprocessor may replace: any identifier, whatever the grammar made of it. */
const IDENTIFIER_LEAVES = new Set(['identifier', 'field_identifier', 'type_identifier', 'statement_identifier']);
/** Tokens that can name a variable in C: not members, not labels (a type name that is a parameter is one misparsed). */
const VARIABLE_LEAVES = new Set(['identifier', 'type_identifier']);

/** How names are bound: a macro's parameters by the preprocessor, a function's by C. */
export type Scoping = 'preprocessor' | 'c';

/** The scoping of a definition's parameters. */
export const scopingOf = (def: { form: string }): Scoping => (def.form === 'function-macro' || def.form === 'object-macro' ? 'preprocessor' : 'c');

/** Where an inserted argument needs no parentheses of its own. */
const SELF_DELIMITING_PARENTS = new Set(['argument_list', 'parenthesized_expression', 'expression_statement', 'init_declarator', 'return_statement', 'initializer_list', 'condition_clause']);
const PRIMARY = new Set([
  'identifier',
  'number_literal',
  'string_literal',
  'concatenated_string',
  'char_literal',
  'call_expression',
  'parenthesized_expression',
  'field_expression',
  'subscript_expression',
  'true',
  'false',
  'null',
]);

/** An identifier token of a parsed text: its kind, place (in the snippet's source) and the type of the node holding it. */
interface Leaf {
  type: string;
  start: number;
  end: number;
  text: string;
  /** Undefined at the root. */
  parentType: string | undefined;
}

// Derived from cached snippets (parser/c/tree-sitter.ts), so as bounded as that cache.
const leavesOf = new WeakMap<Snippet, Leaf[]>();

/** A body parsed as a statement, and its identifier tokens in order (read from the flat tree: no SyntaxNode per token). */
function parsedTemplate(text: string): { snippet: Snippet; tree: Tree; leaves: Leaf[] } {
  const snippet = parseSnippet('statement', text);
  let leaves = leavesOf.get(snippet);
  if (!leaves) {
    leaves = [];
    const flat = flatOf(snippet.tree);
    for (let i = 0; i < flat.size; i++) {
      if (flat.subtreeEnd(i) !== i + 1) continue;
      const type = flat.type(i);
      const start = flat.start(i);
      const end = flat.end(i);
      if (!IDENTIFIER_LEAVES.has(type) || start < snippet.start || end > snippet.end) continue;
      const parent = flat.parent(i);
      leaves.push({ type, start, end, text: flat.text(i), parentType: parent < 0 ? undefined : flat.type(parent) });
    }
    leavesOf.set(snippet, leaves);
  }
  return { snippet, tree: snippet.tree, leaves };
}

function needsParentheses(leaf: Leaf, replacement: string): boolean {
  if (leaf.parentType === undefined || SELF_DELIMITING_PARENTS.has(leaf.parentType)) return false;
  const node = parseExpression(replacement);
  return !node || !PRIMARY.has(node.type);
}

/**
 * Replaces each parameter token of `text` by its argument, parenthesized
 * where it would otherwise bind differently. `scoping` says which tokens can
 * be parameters: all identifiers for a macro, variables for a function.
 */
export function substitute(text: string, bindings: ReadonlyMap<string, string> | Readonly<Record<string, string>>, scoping: Scoping): string {
  const lookup = bindings instanceof Map ? bindings : new Map(Object.entries(bindings));
  if (lookup.size === 0 || ![...lookup.keys()].some((name) => name && text.includes(name))) return text;
  const { snippet, leaves } = parsedTemplate(text);
  let out = text;
  for (let i = leaves.length - 1; i >= 0; i--) {
    const leaf = leaves[i]!;
    if (scoping === 'c' && !VARIABLE_LEAVES.has(leaf.type)) continue;
    const replacement = lookup.get(leaf.text);
    if (replacement === undefined) continue;
    const start = leaf.start - snippet.start;
    const end = leaf.end - snippet.start;
    const inserted = needsParentheses(leaf, replacement) ? `(${replacement})` : replacement;
    out = out.slice(0, start) + inserted + out.slice(end);
  }
  return normalizeSpace(out);
}

/** Binds a macro's or function's parameters to a call's arguments. */
export function bind(params: readonly string[], args: readonly string[]): Map<string, string> {
  const bindings = new Map<string, string>();
  params.forEach((p, i) => {
    if (p === '...') bindings.set('__VA_ARGS__', args.slice(i).join(', '));
    else if (p && i < args.length) bindings.set(p, args[i]!);
  });
  return bindings;
}

/** Identifier tokens of a text (what a body or an argument mentions). */
export function identifierTokens(text: string): Set<string> {
  return new Set(parsedTemplate(text).leaves.map((l) => l.text));
}

const callsOf = new WeakMap<Snippet, CollectedCall[]>();

/**
 * The calls a macro body makes, outermost only (a call in another call's
 * arguments is a value, not a flush), each with the branch conditions
 * around it inside the body.
 */
export function templateCalls(text: string): CollectedCall[] {
  const snippet = parseSnippet('statement', text);
  let calls = callsOf.get(snippet);
  if (!calls) {
    const image = { file: '<macro>', side: 'new' as const, text: snippet.source, rows: [], tree: snippet.tree, enclosingFunction: null, wholeFile: false };
    calls = collect(image).calls.filter((c) => !c.inArguments);
    callsOf.set(snippet, calls);
  }
  return calls;
}

/** The body as tree-sitter parsed it, for looking at what it does (asm, calls). */
export function templateTree(text: string): SyntaxNode {
  // The same cached parse as parsedTemplate's, without reading its tokens.
  return parseSnippet('statement', text).tree.rootNode;
}

/** Text of a node's string literals, e.g. the instructions of an asm statement. */
export function stringContents(node: SyntaxNode): string[] {
  return node.descendantsOfType('string_content').map((s) => s.text);
}
