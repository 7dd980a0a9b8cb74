import { createRequire } from 'node:module';
import type ParserType from 'tree-sitter';
import { maskXenMacros } from '../../xen/macros.js';

// tree-sitter and tree-sitter-c are CommonJS native addons.
const require = createRequire(import.meta.url);
const Parser = require('tree-sitter') as typeof ParserType;
const C = require('tree-sitter-c') as ParserType.Language;

export type SyntaxNode = ParserType.SyntaxNode;
export type Tree = ParserType.Tree;
export type Query = ParserType.Query;

let parser: ParserType | undefined;

/**
 * Deepest syntax tree we analyse. All of Xen 4.17 peaks at 63; hostile input
 * nests thousands deep, and climbing ancestors (`node.parent` walks down from
 * the root) is then quadratic: the walkers would never finish.
 */
export const MAX_SYNTAX_DEPTH = 256;

/** A text nested deeper than MAX_SYNTAX_DEPTH: refused, never half-analysed. */
export class TooDeepError extends Error {
  constructor(
    readonly row: number,
    readonly where?: string,
  ) {
    super(`${where ? `${where}: ` : ''}C nested more than ${MAX_SYNTAX_DEPTH} levels deep: not analysed`);
  }
}

/**
 * Parses C as Xen writes it (attributes and iterator macros masked, offsets
 * kept: see src/xen/macros.ts). Error recovery is tree-sitter's: the result
 * may hold ERROR nodes.
 */
export function parseC(text: string): Tree {
  const tree = parseUnchecked(maskXenMacros(text));
  const row = rowTooDeep(tree.rootNode);
  if (row !== undefined) throw new TooDeepError(row);
  return tree;
}

/** The first row where the tree is deeper than the bound, in one cursor pass. */
function rowTooDeep(root: SyntaxNode): number | undefined {
  const cursor = root.walk();
  let depth = 0;
  for (;;) {
    if (depth > MAX_SYNTAX_DEPTH) return cursor.startPosition.row;
    if (cursor.gotoFirstChild()) {
      depth++;
      continue;
    }
    while (!cursor.gotoNextSibling()) {
      if (!cursor.gotoParent()) return undefined;
      depth--;
    }
  }
}

function parseUnchecked(text: string): Tree {
  if (!parser) {
    parser = new Parser();
    parser.setLanguage(C);
  }
  // The default buffer is 32 KiB; a larger one avoids re-reading long inputs.
  return parser.parse(text, undefined, { bufferSize: Math.max(32 * 1024, text.length * 2 + 16) });
}

const queries = new Map<string, Query>();

/** Compiles a tree-sitter query once per process. */
export function query(source: string): Query {
  let q = queries.get(source);
  if (!q) {
    q = new Parser.Query(C, source);
    queries.set(source, q);
  }
  return q;
}

/** ERROR and MISSING nodes: how badly a text parsed, for choosing a wrapping. */
export function countErrors(root: SyntaxNode): number {
  if (!root.hasError) return 0;
  let n = 0;
  const cursor = root.walk();
  let done = false;
  while (!done) {
    const node = cursor.currentNode;
    if (node.isError || node.isMissing) n += 1 + (node.endIndex - node.startIndex > 80 ? 1 : 0);
    if (node.hasError && cursor.gotoFirstChild()) continue;
    while (!cursor.gotoNextSibling()) {
      if (!cursor.gotoParent()) {
        done = true;
        break;
      }
    }
  }
  return n;
}

/** Collapses runs of white space, so conditions compare and print the same. */
export function normalizeSpace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** `( x )` → `x`: the text inside a parenthesized expression. */
export function unparenthesize(node: SyntaxNode): string {
  if (node.type === 'parenthesized_expression' && node.namedChildCount === 1) return normalizeSpace(node.namedChildren[0]!.text);
  return normalizeSpace(node.text);
}

/** Parsed expressions by normalized text; conditions repeat across sites and stages. */
const expressionCache = new Map<string, SyntaxNode | undefined>();
/** Cached nodes pin their trees' native memory: start over past this many. */
const EXPRESSION_CACHE_LIMIT = 4096;

/**
 * The expression node of `text`, parsed alone (as an initializer, so any C
 * expression fits); undefined when it does not parse as one. Shared by the
 * model, the classifier and the simulator.
 */
export function parseExpression(text: string): SyntaxNode | undefined {
  const key = normalizeSpace(text);
  if (expressionCache.has(key)) return expressionCache.get(key);
  if (expressionCache.size >= EXPRESSION_CACHE_LIMIT) expressionCache.clear();
  const tree = parseC(`int __flushcheck_expression = (${key}\n);`);
  const init = tree.rootNode.descendantsOfType('init_declarator')[0]?.childForFieldName('value');
  const node = init && !init.hasError && init.type === 'parenthesized_expression' ? init.namedChildren.find((c) => c.type !== 'comment') : undefined;
  expressionCache.set(key, node);
  return node;
}
