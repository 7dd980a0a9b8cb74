import type { BaseTreeReader, EvidenceStep, ExposedRelease, FileDiff, FlowGraph, FlowNode, FlushCoverage, Hunk, ParsedImage, Patch, Side } from '../types.js';
import { applyHunks, imageFlat, parseHunkSide, parseWholeFile, sectionFunction, WRAPPER_FUNCTION } from '../parser/c/images.js';
import type { FlatTree } from '../parser/c/flat-tree.js';
import { normalizeSpace } from '../parser/c/tree-sitter.js';
import { argumentsOf, flatFunctionDeclarator } from '../sites/collect.js';
import { PAGE_RELEASES, pageReleaseOf } from '../xen/page-release.js';
import { buildFlowGraph, type BodyCall } from './cfg.js';
import { flatLineMapper } from './summarize.js';

/**
 * Free before flush: for each function a patch changes, the page releases
 * (xen/page-release.ts) are matched between the function before and after
 * the patch, and each is asked how many paths from the function's entry pass
 * a flush before reaching it: every, some or none, on the control-flow graph
 * FC003 uses (cfg.ts). A release that had a flush on every (or some) path
 * before the patch and has it on fewer after it is exposed: a stale
 * translation of the page may outlive its return to the allocator or pool.
 * The p2m deferred flush counts as paid where `p2m_tlb_flush_sync()` or an
 * unlock that syncs runs: with `p2m->defer_flush` set, the p2m's own flushes
 * only record `need_flush`, so that call is the flush the release waits for.
 */

/** Calls that pay a deferred p2m flush (x86 and Arm): the sync, and the unlocks that sync. */
const DEFERRED_FLUSH_PAYERS: ReadonlySet<string> = new Set(['p2m_tlb_flush_sync', 'p2m_unlock_and_tlb_flush', 'p2m_write_unlock', 'p2m_unlock', 'gfn_unlock']);

/** TLB and IOTLB flushes by name, besides the flush family: `flush_tlb_*`, `*_iotlb_flush*`, the p2m's `tlb_flush` hook, EPT's sync. */
const FLUSH_NAME = /flush_\w*tlb|tlb\w*_flush|^tlb_flush$|^ept_sync_domain$|^flush_area_(?:local|all)$/;

/** Bodies larger than this many calls are not compared (hostile input must not cost more than its size). */
const MAX_CALLS = 4000;
/** Releases reported per function: past this many, a patch has said what it does. */
const MAX_EXPOSED = 32;
/** Decision points kept in a finding's path. */
const MAX_PATH_STEPS = 16;

interface BodyCallAt extends BodyCall {
  line: number;
  text: string;
}

interface FunctionSide {
  name: string;
  file: string;
  flow: FlowGraph;
  calls: BodyCallAt[];
}

const RANK: Record<FlushCoverage, number> = { none: 0, some: 1, every: 2 };

/** The releases a patch left behind fewer flushes, sorted by file and line. */
export function exposedReleases(patch: Patch, base: BaseTreeReader | undefined, family: ReadonlySet<string>): ExposedRelease[] {
  const isFlush = (name: string): boolean => family.has(name) || DEFERRED_FLUSH_PAYERS.has(name) || FLUSH_NAME.test(name);
  const out: ExposedRelease[] = [];
  for (const file of patch.files) {
    if (!mayExpose(file, isFlush)) continue;
    for (const [before, after] of functionPairs(file, base)) out.push(...compare(patch.meta.index, before, after, isFlush));
  }
  return out.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || (a.api < b.api ? -1 : a.api > b.api ? 1 : 0)));
}

const C_FILE = /\.(c|h|inc)$/;
const RELEASE_NAMES = PAGE_RELEASES.map((r) => r.name);
const namesRelease = (text: string): boolean => RELEASE_NAMES.some((n) => text.includes(n));

/** Cheap test: a changed line names a flush or a release, and the file is C on both sides. */
function mayExpose(file: FileDiff, isFlush: (name: string) => boolean): boolean {
  if (file.status !== 'modified' && file.status !== 'renamed') return false;
  if (!file.oldPath || !file.newPath || !C_FILE.test(file.newPath)) return false;
  for (const hunk of file.hunks) {
    for (const line of hunk.lines) {
      if (line.change === 'unchanged') continue;
      if (namesRelease(line.text)) return true;
      for (const m of line.text.matchAll(/([A-Za-z_]\w*)\s*\(/g)) if (isFlush(m[1]!)) return true;
    }
  }
  return false;
}

/** Both sides of every function the patch changes, paired by name (whole files with a base tree, else hunk fragments). */
function functionPairs(file: FileDiff, base: BaseTreeReader | undefined): [FunctionSide, FunctionSide][] {
  const oldPath = file.oldPath!;
  const newPath = file.newPath!;
  const oldText = base?.read(oldPath);
  const newText = oldText !== undefined ? applyHunks(oldText, file.hunks) : undefined;
  const images: [ParsedImage, ParsedImage][] =
    oldText !== undefined && newText !== undefined
      ? [[parseWholeFile(oldPath, oldText, 'old', file), parseWholeFile(newPath, newText, 'new', file)]]
      : file.hunks.map((hunk, h) => {
          const fn = sectionFunction(hunk.section);
          return [parseHunkSide(oldPath, hunk, h, 'old', fn), parseHunkSide(newPath, hunk, h, 'new', fn)];
        });
  const changed = changedLines(file);
  if (oldText === undefined || newText === undefined) {
    file.hunks.forEach((hunk, h) => {
      const fn = sectionFunction(hunk.section);
      const body = fromBody(hunk);
      // A hunk that opens on the tail of a signature misparses: read it from the body's brace.
      if (fn && body) images[h] = [parseHunkSide(oldPath, body, h, 'old', fn), parseHunkSide(newPath, body, h, 'new', fn)];
    });
  }
  const pairs: [FunctionSide, FunctionSide][] = [];
  for (const [oldImage, newImage] of images) {
    const olds = functionsOf(oldImage, changed.old);
    const news = functionsOf(newImage, changed.new);
    const touched = new Set([...olds.filter((f) => f.touched).map((f) => f.name), ...news.filter((f) => f.touched).map((f) => f.name)]);
    for (const name of touched) {
      const before = olds.filter((f) => f.name === name);
      const after = news.filter((f) => f.name === name);
      // Two definitions of one name (under #if) pair in order.
      for (let i = 0; i < Math.min(before.length, after.length); i++) {
        const b = sideOf(before[i]!, oldImage);
        const a = sideOf(after[i]!, newImage);
        if (b && a) pairs.push([b, a]);
      }
    }
  }
  return pairs;
}

/** The hunk from the line that opens a function body (`{` alone at column 0, before any change), when one is shown. */
function fromBody(hunk: Hunk): Hunk | undefined {
  const at = hunk.lines.findIndex((l) => l.change !== 'unchanged' || l.text === '{');
  return at > 0 && hunk.lines[at]!.text === '{' && hunk.lines[at]!.change === 'unchanged' ? { ...hunk, lines: hunk.lines.slice(at) } : undefined;
}

function changedLines(file: FileDiff): Record<Side, Set<number>> {
  const out = { old: new Set<number>(), new: new Set<number>() };
  for (const hunk of file.hunks) {
    for (const line of hunk.lines) {
      if (line.change === 'removed' && line.oldLine) out.old.add(line.oldLine);
      if (line.change === 'added' && line.newLine) out.new.add(line.newLine);
    }
  }
  return out;
}

interface Definition {
  name: string;
  flat: FlatTree;
  /** The definition's index in `flat`. */
  def: number;
  body: number;
  touched: boolean;
}

const FUNCTION_DEFINITION = new Set(['function_definition']);
const CALL = new Set(['call_expression']);

/** The functions an image defines, read from its flat tree (no SyntaxNode per function). */
function functionsOf(image: ParsedImage, changed: ReadonlySet<number>): Definition[] {
  const flat = imageFlat(image);
  const lineAt = flatLineMapper(image);
  const out: Definition[] = [];
  for (const def of flat.descendantsOfType(0, FUNCTION_DEFINITION)) {
    const body = flat.childForField(def, 'body');
    const name = body < 0 ? null : definedName(flat, def, image);
    if (body < 0 || !name) continue;
    const first = lineAt(flat, def);
    let last = 0;
    // Synthetic closing rows of a fragment carry no line: the last real one ends the function.
    for (let r = flat.row(flat.end(def)), top = flat.row(flat.start(def)); r >= top && last === 0; r--) last = image.rows[r]?.fileLine ?? (image.wholeFile ? r + 1 : 0);
    let touched = false;
    for (const n of changed) if (n >= first && n <= last) touched = true;
    out.push({ name, flat, def, body, touched });
  }
  return out;
}

/** The name a definition gives: its declarator's, or the hunk header's for the synthetic wrapper. */
function definedName(flat: FlatTree, def: number, image: ParsedImage): string | null {
  const declarator = flatFunctionDeclarator(flat, def);
  const named = declarator < 0 ? -1 : flat.childForField(declarator, 'declarator');
  if (named < 0) return null;
  const name = flat.text(named);
  return name === WRAPPER_FUNCTION ? image.enclosingFunction : name;
}

/** The function's graph and calls, when its body holds a release (else nothing can be exposed). */
function sideOf(d: Definition, image: ParsedImage): FunctionSide | undefined {
  const { flat, body } = d;
  // A call of a release names it in the body's text: most bodies need no walk.
  if (!namesRelease(flat.text(body))) return undefined;
  const lineOf = flatLineMapper(image);
  const lineAt = (index: number): number => lineOf(flat, index);
  const calls: BodyCallAt[] = [];
  for (const call of flat.descendantsOfType(body, CALL)) {
    const fn = flat.childForField(call, 'function');
    const fnType = fn < 0 ? undefined : flat.type(fn);
    // `p2m->tlb_flush(p2m)`: a hook called through a field is named by the field.
    const field = fnType === 'field_expression' ? flat.childForField(fn, 'field') : -1;
    const name = fnType === 'identifier' ? flat.text(fn) : field >= 0 ? flat.text(field) : undefined;
    if (!name) continue;
    calls.push({ name, args: argumentsOf(flat, call), start: flat.start(call), end: flat.end(call), line: lineAt(call), text: normalizeSpace(flat.text(call)).slice(0, 120) });
    if (calls.length > MAX_CALLS) return undefined;
  }
  if (!calls.some((c) => pageReleaseOf(c.name))) return undefined;
  const flow = buildFlowGraph({ flat, body, lineAt, calls, setters: [], flagsHolders: [], bookkeepingFlags: new Set() });
  return { name: d.name, file: image.file, flow, calls };
}

/** The node that makes a call: the nearest node at or above its line that names it (`byName`: nodes by callee, by line). */
function nodeOf(byName: ReadonlyMap<string, FlowNode[]>, call: BodyCallAt): FlowNode | undefined {
  let best: FlowNode | undefined;
  for (const node of byName.get(call.name) ?? []) {
    if (node.line > call.line) break;
    best = node;
  }
  return best;
}

function nodesByCallee(flow: FlowGraph, names: ReadonlySet<string>): Map<string, FlowNode[]> {
  const out = new Map<string, FlowNode[]>();
  for (const node of flow.nodes) {
    for (const name of node.calls) {
      if (!names.has(name)) continue;
      const list = out.get(name) ?? [];
      if (list.length === 0) out.set(name, list);
      list.push(node);
    }
  }
  for (const list of out.values()) list.sort((a, b) => a.line - b.line || a.id - b.id);
  return out;
}

interface Coverage {
  /** Reached from the entry without passing a flush, with the edge that first reached each. */
  bare: Map<number, { from: number; branch?: string }>;
  /** Reached after some flush. */
  afterFlush: Set<number>;
  flushes: (node: FlowNode) => boolean;
  /** Predecessors per node, built on first use. */
  preds: () => number[][];
}

function coverageOf(flow: FlowGraph, isFlush: (name: string) => boolean): Coverage {
  const flushes = (node: FlowNode): boolean => node.calls.some(isFlush);
  const bare = new Map<number, { from: number; branch?: string }>([[flow.entry, { from: -1 }]]);
  // Index-walked queues: shift() would make a long body quadratic.
  const queue = [flow.entry];
  for (let q = 0; q < queue.length; q++) {
    const id = queue[q]!;
    for (const e of flow.nodes[id]!.next) {
      if (bare.has(e.to)) continue;
      bare.set(e.to, { from: id, ...(e.branch ? { branch: e.branch } : {}) });
      if (!flushes(flow.nodes[e.to]!)) queue.push(e.to);
    }
  }
  const afterFlush = new Set<number>();
  const again = flow.nodes.filter(flushes).map((n) => n.id);
  for (let q = 0; q < again.length; q++) {
    const id = again[q]!;
    for (const e of flow.nodes[id]!.next) {
      if (afterFlush.has(e.to)) continue;
      afterFlush.add(e.to);
      again.push(e.to);
    }
  }
  let preds: number[][] | undefined;
  const predsOf = (): number[][] => {
    if (!preds) {
      preds = flow.nodes.map(() => [] as number[]);
      for (const n of flow.nodes) for (const e of n.next) preds[e.to]!.push(n.id);
    }
    return preds;
  };
  return { bare, afterFlush, flushes, preds: predsOf };
}

function coverage(c: Coverage, node: FlowNode): FlushCoverage {
  if (c.flushes(node) || !c.bare.has(node.id)) return 'every';
  return c.afterFlush.has(node.id) ? 'some' : 'none';
}

/** The nearest flush before a node (backwards, breadth first). */
function nearestFlush(flow: FlowGraph, node: FlowNode, c: Coverage): FlowNode | undefined {
  const preds = c.preds();
  const seen = new Set([node.id]);
  const queue = [...preds[node.id]!];
  for (let q = 0; q < queue.length; q++) {
    const id = queue[q]!;
    if (seen.has(id)) continue;
    seen.add(id);
    if (c.flushes(flow.nodes[id]!)) return flow.nodes[id];
    for (const p of preds[id]!) if (!seen.has(p)) queue.push(p);
  }
  return undefined;
}

/** Releases matched across the patch: same call text first, then the rest by name in order. */
function matchReleases(before: readonly BodyCallAt[], after: readonly BodyCallAt[]): [BodyCallAt, BodyCallAt][] {
  const key = (c: BodyCallAt): string => `${c.name}(${c.args.join(', ')})`;
  const byKey = new Map<string, BodyCallAt[]>();
  const push = <K, V>(map: Map<K, V[]>, k: K, v: V): void => {
    const list = map.get(k);
    if (list) list.push(v);
    else map.set(k, [v]);
  };
  for (const b of before) push(byKey, key(b), b);
  const used = new Set<BodyCallAt>();
  const pairs: [BodyCallAt, BodyCallAt][] = [];
  const unmatched: BodyCallAt[] = [];
  for (const a of after) {
    const b = byKey.get(key(a))?.shift();
    if (b) {
      used.add(b);
      pairs.push([b, a]);
    } else unmatched.push(a);
  }
  // A renamed variable keeps the call: pair by name, in order, when both sides have as many left.
  const leftByName = new Map<string, BodyCallAt[]>();
  for (const b of before) if (!used.has(b)) push(leftByName, b.name, b);
  const unmatchedByName = new Map<string, BodyCallAt[]>();
  for (const a of unmatched) push(unmatchedByName, a.name, a);
  for (const [name, list] of unmatchedByName) {
    const left = leftByName.get(name) ?? [];
    if (left.length !== list.length) continue;
    for (let i = 0; i < list.length; i++) pairs.push([left[i]!, list[i]!]);
  }
  return pairs;
}

function compare(patch: number, before: FunctionSide, after: FunctionSide, isFlush: (name: string) => boolean): ExposedRelease[] {
  const oldCoverage = coverageOf(before.flow, isFlush);
  const newCoverage = coverageOf(after.flow, isFlush);
  const releases = (s: FunctionSide): BodyCallAt[] => s.calls.filter((c) => pageReleaseOf(c.name));
  const names = new Set(RELEASE_NAMES);
  const oldNodes = nodesByCallee(before.flow, names);
  const newNodes = nodesByCallee(after.flow, names);
  const out: ExposedRelease[] = [];
  for (const [o, n] of matchReleases(releases(before), releases(after))) {
    const oldNode = nodeOf(oldNodes, o);
    const newNode = nodeOf(newNodes, n);
    if (!oldNode || !newNode) continue;
    const was = coverage(oldCoverage, oldNode);
    const is = coverage(newCoverage, newNode);
    if (RANK[is] >= RANK[was]) continue;
    if (out.length >= MAX_EXPOSED) break;
    const release = pageReleaseOf(n.name)!;
    const flushNode = nearestFlush(before.flow, oldNode, oldCoverage);
    const flushCall = flushNode ? before.calls.find((c) => c.line >= flushNode.line && flushNode.calls.includes(c.name) && isFlush(c.name)) : undefined;
    out.push({
      patch,
      file: after.file,
      line: n.line,
      function: after.name,
      api: n.name,
      kind: release.kind,
      ...(release.heapMayCover ? { heapMayCover: true as const } : {}),
      page: n.args[release.pageArg] ?? '(the page)',
      text: n.text,
      oldFile: before.file,
      oldLine: o.line,
      before: was,
      after: is,
      ...(flushNode && flushCall
        ? { coveredBy: { file: before.file, line: flushCall.line, function: before.name, message: `flushed before the release: ${flushCall.text}`, api: flushCall.name } }
        : {}),
      deferred: !!flushCall && DEFERRED_FLUSH_PAYERS.has(flushCall.name),
      path: pathTo(after, newNode, newCoverage, n),
    });
  }
  return out;
}

/** The decision points of a flush-free path from the entry to the release, then the release. */
function pathTo(side: FunctionSide, target: FlowNode, c: Coverage, call: BodyCallAt): EvidenceStep[] {
  const ids: { id: number; branch?: string }[] = [];
  for (let at = target.id, guard = 0; at !== side.flow.entry && guard < side.flow.nodes.length; guard++) {
    const edge = c.bare.get(at);
    if (!edge || edge.from < 0) break;
    ids.push({ id: edge.from, ...(edge.branch ? { branch: edge.branch } : {}) });
    at = edge.from;
  }
  ids.reverse();
  const step = (line: number, message: string): EvidenceStep => ({ file: side.file, line, function: side.name, message });
  let steps = ids
    .map(({ id, branch }) => ({ node: side.flow.nodes[id]!, branch }))
    .filter(({ node }) => node.kind === 'branch' || node.kind === 'goto' || node.kind === 'label')
    .map(({ node, branch }) => step(node.line, `${node.text}${branch ? ` → ${branch}` : ''}`));
  if (steps.length > MAX_PATH_STEPS) steps = [...steps.slice(0, MAX_PATH_STEPS / 2), step(steps[MAX_PATH_STEPS / 2]!.line, '…'), ...steps.slice(-MAX_PATH_STEPS / 2 + 1)];
  steps.push(step(call.line, `releases the page with no flush on this path: ${call.text}`));
  return steps;
}
