import type { CollectedCall } from '../types.js';
import { collect } from '../sites/collect.js';
import { normalizeSpace, parseC, parseExpression, type SyntaxNode } from '../parser/c/tree-sitter.js';

/**
 * Macro expansion on tree-sitter tokens: a body is parsed as the statement it
 * would become, and its identifier tokens that name parameters are replaced
 * by the arguments (as the preprocessor does; `#` and `##` are not modelled).
 */

const TEMPLATE_FUNCTION = '__flushcheck_template';
const PREFIX = `void ${TEMPLATE_FUNCTION}(void) { `;

/** Tokens the preprocessor may replace: any identifier, whatever the grammar made of it. */
const IDENTIFIER_LEAVES = new Set(['identifier', 'field_identifier', 'type_identifier', 'statement_identifier']);

/** Where an inserted argument needs no parentheses of its own. */
const SELF_DELIMITING_PARENTS = new Set(['argument_list', 'parenthesized_expression', 'expression_statement', 'init_declarator', 'return_statement', 'initializer_list', 'condition_clause']);
const PRIMARY = new Set(['identifier', 'number_literal', 'string_literal', 'concatenated_string', 'char_literal', 'call_expression', 'parenthesized_expression', 'field_expression', 'subscript_expression', 'true', 'false', 'null']);

const templateCache = new Map<string, { tree: ReturnType<typeof parseC>; leaves: SyntaxNode[] }>();

function parsedTemplate(text: string): { tree: ReturnType<typeof parseC>; leaves: SyntaxNode[] } {
  let t = templateCache.get(text);
  if (!t) {
    const tree = parseC(`${PREFIX}${text}\n; }`);
    const leaves: SyntaxNode[] = [];
    const end = PREFIX.length + text.length;
    const cursor = tree.rootNode.walk();
    for (let done = false; !done; ) {
      const node = cursor.currentNode;
      if (node.childCount === 0 && IDENTIFIER_LEAVES.has(node.type) && node.startIndex >= PREFIX.length && node.endIndex <= end) leaves.push(node);
      if (cursor.gotoFirstChild()) continue;
      while (!cursor.gotoNextSibling()) {
        if (!cursor.gotoParent()) {
          done = true;
          break;
        }
      }
    }
    t = { tree, leaves };
    templateCache.set(text, t);
  }
  return t;
}

function needsParentheses(leaf: SyntaxNode, replacement: string): boolean {
  if (!leaf.parent || SELF_DELIMITING_PARENTS.has(leaf.parent.type)) return false;
  const node = parseExpression(replacement);
  return !node || !PRIMARY.has(node.type);
}

/** Replaces each parameter token of `text` by its argument. */
export function substitute(text: string, bindings: ReadonlyMap<string, string>): string {
  if (bindings.size === 0) return text;
  const { leaves } = parsedTemplate(text);
  let out = text;
  for (let i = leaves.length - 1; i >= 0; i--) {
    const leaf = leaves[i]!;
    const replacement = bindings.get(leaf.text);
    if (replacement === undefined) continue;
    const start = leaf.startIndex - PREFIX.length;
    const end = leaf.endIndex - PREFIX.length;
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

const callsCache = new Map<string, CollectedCall[]>();

/**
 * The calls a macro body makes, outermost only (a call in another call's
 * arguments is a value, not a flush), each with the branch conditions
 * around it inside the body.
 */
export function templateCalls(text: string): CollectedCall[] {
  let calls = callsCache.get(text);
  if (!calls) {
    const { tree } = parsedTemplate(text);
    const image = { file: '<macro>', side: 'new' as const, text: `${PREFIX}${text}\n; }`, rows: [], tree, enclosingFunction: null, wholeFile: false };
    calls = collect(image).calls.filter((c) => !c.inArguments);
    callsCache.set(text, calls);
  }
  return calls;
}

/** The body as tree-sitter parsed it, for looking at what it does (asm, calls). */
export function templateTree(text: string): SyntaxNode {
  return parsedTemplate(text).tree.rootNode;
}

/** Text of a node's string literals, e.g. the instructions of an asm statement. */
export function stringContents(node: SyntaxNode): string[] {
  return node.descendantsOfType('string_content').map((s) => s.text);
}
