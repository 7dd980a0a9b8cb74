import { createRequire } from 'node:module';
import type ParserType from 'tree-sitter';
import { allocatedNatively } from '../../util/native-memory.js';
import { maskXenMacros } from '../../xen/macros.js';
import { FlatTree, typeName, type Remake } from './flat-tree.js';
import { acceptedAsFresh, type Dirty, editTree, onlyDifferences, type OtherSide, reuseFrom, type TextEdit } from './incremental.js';

export type { OtherSide, TextEdit } from './incremental.js';

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
  const masked = maskXenMacros(text);
  const tree = parseUnchecked(masked);
  sources.set(tree, masked);
  if (masked.length >= EAGER_FLAT) {
    // A file's tree is walked: the flat reading checks the depth in the same pass.
    const read = FlatTree.read(tree, masked, remakeTree, MAX_SYNTAX_DEPTH);
    if (!(read instanceof FlatTree)) throw new TooDeepError(read.tooDeepAt);
    flats.set(tree, read);
    return tree;
  }
  const row = rowTooDeep(tree.rootNode);
  if (row !== undefined) throw new TooDeepError(row);
  return tree;
}

/** Whole-file parses remembered, by text: their total size, and the least text worth remembering. */
const FILE_MEMO_BYTES = 2 * 1024 * 1024;
const FILE_MEMO_MIN_TEXT = 4096;
const fileMemo = new Map<string, Tree>();
let fileMemoBytes = 0;

/**
 * parseC for a whole file. Several stages read the same file of a review
 * (its patched sides, the tree's copy, the callers' files): each text is
 * parsed once. A parse is a pure function of the text and immutable, so the
 * memo cannot change an answer; it is bounded (least recently used out),
 * and small texts (hunks) are not kept.
 *
 * `from` names a text parsed before that differs from this one only by its
 * edits (the other side of a patched file): when the memo still holds that
 * text's tree, this one is parsed from it (see incremental.ts).
 */
export function parseFile(text: string, from?: OtherSide): Tree {
  if (text.length < FILE_MEMO_MIN_TEXT || text.length > FILE_MEMO_BYTES) return parseC(text);
  let tree = fileMemo.get(text);
  if (tree) {
    fileMemo.delete(text);
  } else {
    const donor = from && fileMemo.get(from.text);
    tree = (donor && parseFromOtherSide(text, donor, from.edits)) ?? parseC(text);
    fileMemoBytes += text.length;
    for (const [old] of fileMemo) {
      if (fileMemoBytes <= FILE_MEMO_BYTES) break;
      fileMemo.delete(old);
      fileMemoBytes -= old.length;
    }
  }
  fileMemo.set(text, tree);
  return tree;
}

/**
 * parseC of `text` from `donor`, parseC's tree of a text that differs by
 * `edits`; undefined where the result might not be a fresh parse's tree.
 */
export function parseFromOtherSide(text: string, donor: Tree, edits: readonly TextEdit[]): Tree | undefined {
  const earlier = flats.get(donor);
  const before = sources.get(donor);
  if (!earlier || before === undefined) return undefined;
  const masked = maskXenMacros(text);
  // Masking reads context: the edits must still be the only differences once both are masked.
  if (!onlyDifferences(before, masked, edits)) return undefined;
  // An unedited parse from the donor is its copy (sharing its subtrees): editing the donor itself would move its nodes.
  const copy = parseUnchecked(before, donor, false);
  editTree(copy, earlier, masked, edits);
  const tree = parseUnchecked(masked, copy);
  const dirty: Dirty[] = edits.map((e) => ({ start: e.newStart, end: e.newEnd }));
  for (const range of copy.getChangedRanges(tree)) dirty.push({ start: range.startIndex, end: range.endIndex });
  const read = FlatTree.read(tree, masked, remakeTree, MAX_SYNTAX_DEPTH, reuseFrom(earlier, edits, dirty));
  if (!(read instanceof FlatTree) || !acceptedAsFresh(read, earlier, edits, dirty)) return undefined;
  sources.set(tree, masked);
  flats.set(tree, read);
  return tree;
}

/** Texts this long are files (read flat when parsed); shorter ones are snippets, read flat only if walked. */
const EAGER_FLAT = 4096;

/** The text each tree was parsed from (macros masked), which its nodes' `text` reads. */
const sources = new WeakMap<Tree, string>();
const flats = new WeakMap<Tree, FlatTree>();

/** The flat reading of a tree parseC made (see FlatTree), once per tree. */
export function flatOf(tree: Tree): FlatTree {
  let flat = flats.get(tree);
  if (!flat) {
    const source = sources.get(tree);
    if (source === undefined) throw new Error('flatOf: a tree parseC did not make');
    flat = FlatTree.read(tree, source, remakeTree) as FlatTree;
    flats.set(tree, flat);
  }
  return flat;
}

/** A flat tree's text parsed again (already masked), known to flatOf as that flat tree's. */
const remakeTree: Remake = (flat, masked) => {
  const tree = parseUnchecked(masked);
  sources.set(tree, masked);
  flats.set(tree, flat);
  return tree;
};

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

/** `counted` false for a copy of a tree, whose subtrees are the tree's. */
function parseUnchecked(text: string, from?: Tree, counted = true): Tree {
  if (!parser) {
    parser = new Parser();
    parser.setLanguage(C);
  }
  // The default buffer is 32 KiB; a larger one avoids re-reading long inputs.
  const tree = parser.parse(text, from, { bufferSize: Math.max(32 * 1024, text.length * 2 + 16) });
  if (counted) allocatedNatively(TREE_BYTES + TREE_BYTES_PER_CHAR * text.length);
  return tree;
}

/** A tree's native size, measured on Xen-style C: a few KiB, and some 50 bytes per character. */
const TREE_BYTES = 2048;
const TREE_BYTES_PER_CHAR = 48;

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

/** What a snippet is parsed as, and the C around it that makes it parse as that. */
const SNIPPET_WRAPPERS = {
  /** Any C expression, as an initializer. */
  expression: ['int __flushcheck_expression = (', '\n);'],
  /** A macro body or statement, inside a function: fits expression and block macros alike. */
  statement: ['void __flushcheck_body(void) { ', '\n; }'],
  /** An `#if` condition, in the preprocessor's grammar. */
  condition: ['#if ', '\n#endif\n'],
} as const;

export type SnippetKind = keyof typeof SNIPPET_WRAPPERS;

export interface Snippet {
  tree: Tree;
  /** The whole text parsed, wrapper included. */
  source: string;
  /** Where the snippet's own text starts and ends in `source`. */
  start: number;
  end: number;
}

const snippets = new Map<string, Snippet>();
/** Cached trees pin native memory: the cache starts over past this many. */
const SNIPPET_CACHE_LIMIT = 4096;

/**
 * The one parser of C snippets (expressions, macro bodies, `#if`
 * conditions), for every stage: each is wrapped so that it parses as what it
 * is, and cached by kind and text. A parse is immutable, so the cache is shared
 * by the process; it is bounded, so no input grows it without limit.
 */
export function parseSnippet(kind: SnippetKind, text: string): Snippet {
  const key = `${kind}\u0000${text}`;
  let snippet = snippets.get(key);
  if (!snippet) {
    const [before, after] = SNIPPET_WRAPPERS[kind];
    const source = `${before}${text}${after}`;
    const tree = parseC(source);
    if (snippets.size >= SNIPPET_CACHE_LIMIT) snippets.clear();
    snippet = { tree, source, start: before.length, end: before.length + text.length };
    snippets.set(key, snippet);
  }
  return snippet;
}

// Derived from a cached snippet, so as bounded as the snippet cache.
const expressions = new WeakMap<Snippet, SyntaxNode | undefined>();

/**
 * The expression node of `text`, parsed alone (as an initializer, so any C
 * expression fits); undefined when it does not parse as one. Shared by the
 * model, the classifier and the simulator.
 */
export function parseExpression(text: string): SyntaxNode | undefined {
  const snippet = parseSnippet('expression', normalizeSpace(text));
  if (expressions.has(snippet)) return expressions.get(snippet);
  const init = snippet.tree.rootNode.descendantsOfType('init_declarator')[0]?.childForFieldName('value');
  const node = init && !init.hasError && init.type === 'parenthesized_expression' ? init.namedChildren.find((c) => c.type !== 'comment') : undefined;
  expressions.set(snippet, node);
  return node;
}

/** A node met in a walk: its place in the flat tree, its type and byte range. */
export interface Placed {
  /** Made on first use: most walks never need it. */
  readonly node: SyntaxNode;
  readonly flat: FlatTree;
  readonly index: number;
  readonly type: string;
  readonly start: number;
  readonly end: number;
}

// Not kept once made: a node holds its whole tree, and records outlive their walk.
// While one is held elsewhere, tree-sitter hands back that same object.
class PlacedNode implements Placed {
  constructor(
    readonly flat: FlatTree,
    readonly index: number,
    readonly type: string,
    readonly start: number,
    readonly end: number,
  ) {}
  get node(): SyntaxNode {
    return this.flat.node(this.index);
  }
}

/**
 * Nodes of `types` in document order (pre-order), each with those of
 * `containers` that enclose it, outermost first. One pass over the tree's
 * flat reading, with no native call; the enclosing nodes come from byte
 * ranges, not `node.parent` (which walks down from the root on every call).
 * An empty node at the very end of a container is taken to be outside it.
 * Like descendantsOfType, a subtree that ends at the very start of the text is skipped.
 */
export function walkPlaced(
  tree: Tree | FlatTree,
  types: readonly string[],
  containers: readonly string[],
  visit: (node: Placed, ancestors: readonly Placed[]) => void,
  /** Walk only this node's subtree (what encloses it is not seen); default the whole tree. */
  within?: SyntaxNode,
): void {
  const wanted = new Set(types);
  const enclosing = new Set(containers);
  const stack: Placed[] = [];
  const flat = tree instanceof FlatTree ? tree : flatOf(tree);
  const from = within === undefined ? 0 : flat.find(within);
  if (from === undefined) throw new Error('walkPlaced: a node of another tree');
  /** Per type id: 1 visited, 2 enclosing, 3 both, 0 neither. */
  const roles: number[] = [];
  for (let i = from, stop = flat.subtreeEnd(from); i < stop; ) {
    const end = flat.end(i);
    if (end === 0) {
      i = flat.subtreeEnd(i);
      continue;
    }
    const id = flat.typeId(i);
    let role = roles[id];
    if (role === undefined) {
      const name = typeName(id);
      role = (wanted.has(name) ? 1 : 0) | (enclosing.has(name) ? 2 : 0);
      roles[id] = role;
    }
    if (role !== 0) {
      const placed = new PlacedNode(flat, i, typeName(id), flat.start(i), end);
      while (stack.length > 0 && placed.start >= stack[stack.length - 1]!.end) stack.pop();
      if (role & 1) visit(placed, stack);
      if (role & 2) stack.push(placed);
    }
    i++;
  }
}

/** `inner` lies within `outer` (an empty `outer` holds nothing). */
export const isWithin = (inner: { start: number; end: number }, outer: { startIndex: number; endIndex: number } | null | undefined): boolean =>
  !!outer && outer.startIndex < outer.endIndex && outer.startIndex <= inner.start && inner.end <= outer.endIndex;
