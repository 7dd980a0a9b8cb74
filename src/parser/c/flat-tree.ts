import type ParserType from 'tree-sitter';
import { fitted } from '../../util/fitted.js';

type SyntaxNode = ParserType.SyntaxNode;
type Tree = ParserType.Tree;
type TreeCursor = ParserType.TreeCursor;

/** Per symbol and field id (one grammar, so process-wide): read from the cursor the first time an id is met. */
const typeNames: string[] = [];
const namedTypes: boolean[] = [];
const fieldNames: (string | undefined)[] = [];

/**
 * A parsed tree read once, in one cursor pass, into arrays indexed by
 * pre-order position (tree-sitter's descendant index): each node's type,
 * field, range, parent and where its subtree ends. Walks, field lookups and
 * texts then make no native call and no SyntaxNode (each of which tree-sitter
 * tracks with a weak reference and a finalizer: the bulk of a walk's cost);
 * `node(i)` makes one only for a node a caller keeps.
 */
export class FlatTree {
  readonly size: number;
  /**
   * Per node, in four runs of `size`: start, end, parent, and the index just
   * past its subtree. Two views of one buffer, not six: a view is an object
   * of some 90 bytes, and a hunk's tree holds a few dozen nodes.
   */
  private readonly ints: Int32Array;
  /** Per node, in two runs of `size`: type id, field id. */
  private readonly shorts: Uint16Array;
  /** Held weakly: records keep flat trees, not the (much larger) native trees behind them. */
  private held: WeakRef<Tree>;

  private constructor(
    tree: Tree,
    private readonly source: string,
    read: Read,
    private readonly remake: Remake,
  ) {
    this.held = new WeakRef(tree);
    this.size = read.size;
    this.ints = read.ints;
    this.shorts = read.shorts;
  }

  /**
   * Reads `tree` in one cursor pass; the row of the first node deeper than
   * `maxDepth` instead, when there is one (the root is at depth 0).
   * `remake` parses `source` again, should Node have freed the tree when a
   * node is asked for.
   */
  static read(tree: Tree, source: string, remake: Remake, maxDepth = Number.POSITIVE_INFINITY, reuse?: Reuse): FlatTree | { tooDeepAt: number } {
    const cursor = tree.rootNode.walk();
    let capacity = Math.max(64, source.length >> 2);
    let types = new Uint16Array(capacity);
    let fields = new Uint16Array(capacity);
    let starts = new Uint32Array(capacity);
    let ends = new Uint32Array(capacity);
    let parents = new Int32Array(capacity);
    let after = new Int32Array(capacity);
    const room = (needed: number): void => {
      if (needed <= capacity) return;
      while (capacity < needed) capacity *= 2;
      types = grow(types, new Uint16Array(capacity));
      fields = grow(fields, new Uint16Array(capacity));
      starts = grow(starts, new Uint32Array(capacity));
      ends = grow(ends, new Uint32Array(capacity));
      parents = grow(parents, new Int32Array(capacity));
      after = grow(after, new Int32Array(capacity));
    };
    const open: number[] = [];
    let n = 0;
    for (;;) {
      room(n + 1);
      const type = cursor.nodeTypeId;
      if (typeNames[type] === undefined) {
        typeNames[type] = cursor.nodeType;
        namedTypes[type] = cursor.nodeIsNamed;
      }
      const field = cursor.currentFieldId;
      if (field !== 0 && fieldNames[field] === undefined) fieldNames[field] = cursor.currentFieldName;
      const i = n++;
      types[i] = type;
      fields[i] = field;
      // Every node is asked its range: a parent may end past its last visible
      // child (a directive's hidden newline), so ranges are not derived.
      starts[i] = cursor.startIndex;
      ends[i] = cursor.endIndex;
      parents[i] = open.length > 0 ? open[open.length - 1]! : -1;
      const same = reuse?.(starts[i]!, ends[i]!, type, field);
      if (same) {
        // The node's subtree as the earlier reading has it, moved to here; the cursor skips it.
        const { flat, index } = same;
        const size = flat.subtreeEnd(index) - index;
        const shift = starts[i]! - flat.start(index);
        if (open.length + flat.height(index) > maxDepth) return { tooDeepAt: rowOf(source, flat.start(flat.firstDeeperThan(index, maxDepth - open.length)) + shift) };
        room(i + size);
        flat.copySubtree(index, i, shift, { types, fields, starts, ends, parents, after });
        n = i + size;
      } else {
        if (cursor.gotoFirstChild()) {
          open.push(i);
          if (open.length > maxDepth) return { tooDeepAt: cursor.startPosition.row };
          continue;
        }
        after[i] = n;
      }
      let done = false;
      while (!cursor.gotoNextSibling()) {
        if (!cursor.gotoParent()) {
          done = true;
          break;
        }
        after[open.pop()!] = n;
      }
      if (done) break;
    }
    return new FlatTree(tree, source, exactly(n, { types, fields, starts, ends, parents, after }), remake);
  }

  private heights: Uint16Array | undefined;

  /** How many levels lie below `i` (0 for a leaf). */
  height(i: number): number {
    if (!this.heights) {
      // Children come after their parent in pre-order: one backward pass.
      const heights = new Uint16Array(this.size);
      for (let j = this.size - 1; j > 0; j--) {
        const parent = this.parent(j);
        if (heights[parent]! < heights[j]! + 1) heights[parent] = heights[j]! + 1;
      }
      this.heights = heights;
    }
    return this.heights[i]!;
  }

  /** The first node in pre-order below `i` more than `levels` levels down; -1 when none. */
  firstDeeperThan(i: number, levels: number): number {
    const below = new Int32Array(this.subtreeEnd(i) - i);
    for (let j = i + 1; j < this.subtreeEnd(i); j++) {
      below[j - i] = below[this.parent(j) - i]! + 1;
      if (below[j - i]! > levels) return j;
    }
    return -1;
  }

  /** Writes the subtree of `from` into `to` onward of a reading in progress, its ranges moved by `shift`; the root's parent is the caller's. */
  copySubtree(from: number, to: number, shift: number, into: Growing): void {
    const stop = this.subtreeEnd(from);
    const moved = to - from;
    for (let j = from; j < stop; j++) {
      const k = j + moved;
      into.types[k] = this.shorts[j]!;
      into.fields[k] = this.shorts[this.size + j]!;
      into.starts[k] = this.ints[j]! + shift;
      into.ends[k] = this.ints[this.size + j]! + shift;
      if (j !== from) into.parents[k] = this.ints[2 * this.size + j]! + moved;
      into.after[k] = this.ints[3 * this.size + j]! + moved;
    }
  }

  type(i: number): string {
    return typeNames[this.shorts[i]!]!;
  }

  /** The grammar's number for the node's type (see typeName). */
  typeId(i: number): number {
    return this.shorts[i]!;
  }

  isNamed(i: number): boolean {
    return namedTypes[this.shorts[i]!]!;
  }

  /** The grammar's number for the field the node fills; 0 for none. */
  fieldId(i: number): number {
    return this.shorts[this.size + i]!;
  }

  /** The field this node fills in its parent, if any. */
  field(i: number): string | undefined {
    const id = this.shorts[this.size + i]!;
    return id === 0 ? undefined : fieldNames[id];
  }

  start(i: number): number {
    return this.ints[i]!;
  }

  end(i: number): number {
    return this.ints[this.size + i]!;
  }

  /** -1 for the root. */
  parent(i: number): number {
    return this.ints[2 * this.size + i]!;
  }

  /** The index just past the subtree of `i`: the next node in pre-order that is not inside it. */
  subtreeEnd(i: number): number {
    return this.ints[3 * this.size + i]!;
  }

  text(i: number): string {
    return this.source.substring(this.ints[i]!, this.ints[this.size + i]!);
  }

  children(i: number): number[] {
    const out: number[] = [];
    const stop = this.ints[3 * this.size + i]!;
    for (let c = i + 1; c < stop; c = this.ints[3 * this.size + c]!) out.push(c);
    return out;
  }

  namedChildren(i: number): number[] {
    const out: number[] = [];
    const stop = this.ints[3 * this.size + i]!;
    for (let c = i + 1; c < stop; c = this.ints[3 * this.size + c]!) if (this.isNamed(c)) out.push(c);
    return out;
  }

  /**
   * The first child filling `field` (SyntaxNode.childForFieldName); -1 when
   * none. An ERROR node has no fields, though the cursor names some of its
   * children's (those of the hidden nodes it swallowed).
   */
  childForField(i: number, field: string): number {
    if (this.type(i) === 'ERROR') return -1;
    const stop = this.ints[3 * this.size + i]!;
    for (let c = i + 1; c < stop; c = this.ints[3 * this.size + c]!) if (this.shorts[this.size + c] !== 0 && fieldNames[this.shorts[this.size + c]!] === field) return c;
    return -1;
  }

  /** The row (0-based) of a text offset, as tree-sitter counts rows: by newline. */
  row(offset: number): number {
    const starts = this.lineStarts();
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** The column (0-based, in UTF-16 units like the binding's) of a text offset. */
  column(offset: number): number {
    return offset - this.lineStarts()[this.row(offset)]!;
  }

  private starting: number[] | undefined;
  private lineStarts(): number[] {
    if (!this.starting) {
      const starts = [0];
      for (let at = this.source.indexOf('\n'); at >= 0; at = this.source.indexOf('\n', at + 1)) starts.push(at + 1);
      this.starting = fitted(starts);
    }
    return this.starting;
  }

  /**
   * Nodes of `types` in `i`'s subtree, `i` included, in pre-order, as
   * SyntaxNode.descendantsOfType gives them (which skips a subtree that ends
   * at the very start of the text).
   */
  descendantsOfType(i: number, types: ReadonlySet<string>): number[] {
    const out: number[] = [];
    const stop = this.ints[3 * this.size + i]!;
    for (let d = i; d < stop; ) {
      if (this.ints[this.size + d] === 0) {
        d = this.ints[3 * this.size + d]!;
        continue;
      }
      if (types.has(this.type(d))) out.push(d);
      d++;
    }
    return out;
  }

  /** Made with the first node: most flat trees of a patch of thousands of hunks never make one. */
  private made: WeakMap<SyntaxNode, number> | undefined;

  /**
   * The tree this was read from: the same one while any of its nodes is
   * held (a node holds its tree), else the same text parsed again, which
   * gives the same tree, so indexes still name the same nodes.
   */
  tree(): Tree {
    let tree = this.held.deref();
    if (!tree) {
      tree = this.remake(this, this.source);
      this.held = new WeakRef(tree);
    }
    return tree;
  }

  /** The SyntaxNode at `i`, made on demand. */
  node(i: number): SyntaxNode {
    const tree = this.tree();
    let cursor = cursors.get(tree);
    if (!cursor) {
      cursor = tree.rootNode.walk();
      cursors.set(tree, cursor);
    }
    cursor.gotoDescendant(i);
    const node = cursor.currentNode;
    this.made ??= new WeakMap();
    this.made.set(node, i);
    return node;
  }

  /** The index of a node `node(i)` made; undefined for any other. */
  indexOf(node: SyntaxNode): number | undefined {
    return this.made?.get(node);
  }

  /** The index of any node of this tree: among the nodes that start where it does (starts never decrease in pre-order), the one of its id. */
  find(node: SyntaxNode): number | undefined {
    const known = this.made?.get(node);
    if (known !== undefined) return known;
    const start = node.startIndex;
    const end = node.endIndex;
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.ints[mid]! < start) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.size && this.ints[i] === start; i++) if (this.ints[this.size + i] === end && this.node(i).id === node.id) return i;
    return undefined;
  }
}

/**
 * Asked of each node a reading meets (range, type id, field id): the same
 * node in an earlier reading, whose subtree is then copied instead of read.
 */
export type Reuse = (start: number, end: number, type: number, field: number) => { flat: FlatTree; index: number } | undefined;

/** The row (0-based) of `offset` in `text`: for a too-deep node met in a copied subtree. */
function rowOf(text: string, offset: number): number {
  let row = 0;
  for (let at = text.indexOf('\n'); at >= 0 && at < offset; at = text.indexOf('\n', at + 1)) row++;
  return row;
}

/** Parses a flat tree's source again (see FlatTree.tree). */
export type Remake = (flat: FlatTree, source: string) => Tree;

/** One cursor per tree for `node()`, dying with its tree. */
const cursors = new WeakMap<Tree, TreeCursor>();

/** The name of a type id a flat tree holds. */
export const typeName = (id: number): string => typeNames[id]!;

function grow<T extends Uint16Array | Uint32Array | Int32Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

/**
 * The arrays cut to `n` nodes, in one buffer: a hunk's tree is kept as long
 * as its patch, and six buffers grown by doubling cost it twice its nodes
 * (37.6k hunk sides held 90 MB).
 */
function exactly(n: number, read: Growing): Read {
  const buffer = new ArrayBuffer(20 * n);
  // Four-byte values first, so that both views are aligned.
  const ints = new Int32Array(buffer, 0, 4 * n);
  const shorts = new Uint16Array(buffer, 16 * n, 2 * n);
  ints.set(read.starts.subarray(0, n), 0);
  ints.set(read.ends.subarray(0, n), n);
  ints.set(read.parents.subarray(0, n), 2 * n);
  ints.set(read.after.subarray(0, n), 3 * n);
  shorts.set(read.types.subarray(0, n), 0);
  shorts.set(read.fields.subarray(0, n), n);
  return { size: n, ints, shorts };
}

/** The arrays one cursor pass fills, grown as it goes. */
interface Growing {
  types: Uint16Array;
  fields: Uint16Array;
  starts: Uint32Array;
  ends: Uint32Array;
  parents: Int32Array;
  after: Int32Array;
}

interface Read {
  size: number;
  ints: Int32Array;
  shorts: Uint16Array;
}
