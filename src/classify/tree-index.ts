import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CallFact, ExtraRoots, FileFacts, ImageLine, ParsedImage, Site, SiteDefinition, ToolError } from '../types.js';
import { parseFile } from '../parser/c/tree-sitter.js';
import { C_FILE, listCFiles } from '../parser/tree-corpus.js';
import { identifiersIn } from '../sites/collect.js';
import { BOOKKEEPING_CALLS, mayContainSite } from '../xen/flush-api.js';
import { builtinFamily, collectAll, extendFamily, sitesOf } from '../sites/find-sites.js';
import { type CallGraph, PortGraphs } from './call-graph.js';
import { Roots } from './roots.js';
import { detailedCalls, summarizeImage } from './summarize.js';
import { appendAll } from '../util/append.js';

/**
 * The whole tree as the classifier needs it, built once per directory, in two
 * passes over the files that can matter.
 *
 * Pass 1 decides what to parse, in rounds, by a text test: first the files
 * that may hold a site or a root (the flush family, `FLUSH_`, `tlbflush`,
 * `PGT_type_mask`, configured roots); then files that name a helper found on
 * the way (a new family member, or a small exported function that reaches a
 * flush, whose callers classes may travel through). Every other file is
 * skipped unparsed. Pass 1 keeps only cheap facts: who calls whom, and what
 * makes a function a root.
 *
 * Pass 2 knows the final family and helpers: it finds the sites and reads the
 * calls into helpers in detail (arguments, guards, labels), re-parsing a file
 * when its tree was not kept.
 */

// The listing lives with the tree corpus (parser/tree-corpus.ts): the review's search and the scan list alike.
export { C_FILE, listCFiles };

export interface TreeFile {
  /** Relative to the tree root, with `/`. */
  path: string;
  text: string;
}

/** Reads every C file of a tree; an unreadable file is an error entry, not the end of the scan. */
export function readTreeFiles(directory: string, errors: ToolError[] = []): TreeFile[] {
  const files: TreeFile[] = [];
  for (const path of listCFiles(directory)) {
    try {
      files.push({ path, text: readFileSync(join(directory, path), 'utf8').replace(/\r\n?/g, '\n') });
    } catch (error) {
      errors.push({ file: path, code: 'read-error', message: `cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})` });
    }
  }
  return files;
}

/** A tree file as a parsed image: every row is there and unchanged (no patch). */
export function treeImage(file: string, text: string): ParsedImage {
  const rows: ImageLine[] = text.split('\n').map((_, i) => ({ fileLine: i + 1, change: 'unchanged', hunk: -1 }));
  return { file, side: 'new', text, rows, tree: parseFile(text), enclosingFunction: null, wholeFile: true };
}

/** What the family fixpoint needs of a macro or inline function. */
export interface DefinitionInfo {
  name: string;
  form: SiteDefinition['form'];
  /** Macro replacement text (its references are read only when it may name a family member). */
  body?: string;
  /** Inline functions: what they call. */
  callees?: string[];
}

export interface ParsedTreeFile {
  /** Calls to the family known at parse time come in detail. */
  facts: FileFacts;
  definitions: DefinitionInfo[];
  /** Sites for the family known at parse time. */
  sites: Site[];
}

/** Pass 2's second look at a file the final family or helpers concern. */
export interface RevisitedFile {
  file: string;
  /** Every site, replacing pass 1's. */
  sites: Site[];
  /** Calls into names that were not family members at pass 1, added to pass 1's. */
  calls: CallFact[];
}

const BOOKKEEPING = new Set(BOOKKEEPING_CALLS);

/**
 * The files one thread parses. Pass 1 reads each file's facts, its sites and
 * its calls into the flush family as known then. Trees are not kept: a
 * tree-sitter tree is tens of bytes per source byte. Pass 2 parses again only
 * the files that name a family member or helper found after their pass 1.
 */
export class TreeFileStore {
  private readonly files = new Map<string, { text: string; callees: Set<string>; family: ReadonlySet<string> }>();
  private readonly revisited = new Set<string>();

  parse(file: TreeFile, family: ReadonlySet<string>): ParsedTreeFile {
    const image = treeImage(file.path, file.text);
    const wanted = (name: string): boolean => family.has(name) || BOOKKEEPING.has(name);
    const facts = summarizeImage(image, { detail: wanted });
    this.files.set(file.path, { text: file.text, callees: new Set(facts.edges.map(([, callee]) => callee)), family });
    const definitions: DefinitionInfo[] = [];
    for (const node of image.tree.rootNode.descendantsOfType(['preproc_def', 'preproc_function_def'])) {
      const name = node.childForFieldName('name')?.text;
      const value = node.childForFieldName('value');
      if (name && value) definitions.push({ name, form: node.type === 'preproc_def' ? 'object-macro' : 'function-macro', body: value.text.replace(/\\\n/g, ' ') });
    }
    for (const fn of facts.functions) {
      if (fn.form !== 'inline-function') continue;
      definitions.push({ name: fn.name, form: fn.form, callees: facts.edges.filter(([caller]) => caller === fn.name).map(([, callee]) => callee) });
    }
    const sites = mayContainSite(file.text, family) ? sitesOf(0, collectAll([image], { calls: wanted, references: false }), family) : [];
    return { facts, definitions, sites };
  }

  /** Pass 2, in slices of at most `budget` source bytes (a worker frees its trees between slices). */
  revisit(family: ReadonlySet<string>, helpers: ReadonlySet<string>, budget = Infinity): { files: RevisitedFile[]; more: boolean } {
    const files: RevisitedFile[] = [];
    let left = budget;
    for (const [path, entry] of this.files) {
      if (this.revisited.has(path)) continue;
      if (left <= 0) return { files, more: true };
      this.revisited.add(path);
      const grown = [...family].filter((n) => !entry.family.has(n));
      const newCallees = new Set([...grown, ...helpers].filter((n) => !entry.family.has(n) && !BOOKKEEPING.has(n)));
      const newSites = grown.some((n) => entry.text.includes(n));
      const newCalls = [...newCallees].some((n) => entry.callees.has(n));
      if (!newSites && !newCalls) continue;
      left -= entry.text.length;
      const image = treeImage(path, entry.text);
      const wanted = (name: string): boolean => family.has(name) || BOOKKEEPING.has(name);
      files.push({
        file: path,
        sites: mayContainSite(entry.text, family) ? sitesOf(0, collectAll([image], { calls: wanted, references: false }), family) : [],
        calls: newCalls ? detailedCalls(image, newCallees, () => true) : [],
      });
    }
    return { files, more: false };
  }
}

/** Lays pass 2 over pass 1: every site of the tree, and the facts with their calls completed. */
export function mergeRevisited(parsed: readonly ParsedTreeFile[], revisited: readonly RevisitedFile[]): { facts: FileFacts[]; sites: Site[] } {
  const byFile = new Map(revisited.map((r) => [r.file, r]));
  const facts: FileFacts[] = [];
  const sites: Site[] = [];
  for (const p of parsed) {
    const again = byFile.get(p.facts.file);
    facts.push(again && again.calls.length > 0 ? { ...p.facts, calls: [...p.facts.calls, ...again.calls] } : p.facts);
    appendAll(sites, again ? again.sites : p.sites);
  }
  facts.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return { facts, sites };
}

/** Bottom-up search for wrappers (callers of small functions that reach a flush) goes this many files beyond round 0. */
export const WRAPPER_SEARCH_DEPTH = 1;

/**
 * Decides, round by round, which files to parse. Round 0: what may hold a
 * site or a root. Then a file is parsed when it names a new family member;
 * or a small exported function that reaches a flush, found within
 * WRAPPER_SEARCH_DEPTH rounds (its callers may be wrappers); or both a function
 * a root or wrapper calls whose definition is not yet seen and a name that
 * reaches a flush (where the chain from a root meets the chain to a flush).
 */
export class TreePlanner {
  readonly family = builtinFamily();
  private readonly files: readonly TreeFile[];
  private readonly pending: Set<number>;
  private readonly parsed: ParsedTreeFile[] = [];
  private readonly testedFamily = new Set<string>();
  private readonly references = new Map<DefinitionInfo, Set<string>>();
  /** Identifier → the pending files that mention it (comments and strings included: it only over-selects). */
  private mentions?: Map<string, number[]>;
  private round = 0;

  constructor(
    files: readonly TreeFile[],
    private readonly extraNames: readonly string[] = [],
    private readonly extra: ExtraRoots = {},
  ) {
    this.files = files;
    this.pending = new Set(files.map((_, i) => i));
  }

  get parsedCount(): number {
    return this.parsed.length;
  }

  private indexMentions(): Map<string, number[]> {
    const mentions = new Map<string, number[]>();
    for (const i of this.pending) {
      for (const id of new Set(this.files[i]!.text.match(/[A-Za-z_]\w*/g) ?? [])) {
        const list = mentions.get(id);
        if (list) list.push(i);
        else mentions.set(id, [i]);
      }
    }
    return mentions;
  }

  private naming(names: Iterable<string>): Set<number> {
    this.mentions ??= this.indexMentions();
    const out = new Set<number>();
    for (const name of names) for (const i of this.mentions.get(name) ?? []) if (this.pending.has(i)) out.add(i);
    return out;
  }

  /** Files to parse next, in path order; empty when the fixpoint is reached. */
  nextBatch(): TreeFile[] {
    let ready: number[];
    if (this.round === 0) {
      ready = [...this.pending].filter((i) => {
        const text = this.files[i]!.text;
        return mayContainSite(text, this.family) || text.includes('PGT_type_mask') || this.extraNames.some((n) => text.includes(n));
      });
      for (const name of this.family) this.testedFamily.add(name);
    } else {
      const newMembers = [...this.family].filter((n) => !this.testedFamily.has(n));
      for (const name of newMembers) this.testedFamily.add(name);
      const { reaching, wrappers, unresolved } = this.frontier();
      const chosen = this.naming([...newMembers, ...(this.round <= WRAPPER_SEARCH_DEPTH ? wrappers : [])]);
      const reachingFiles = this.naming(reaching);
      for (const i of this.naming(unresolved)) if (reachingFiles.has(i)) chosen.add(i);
      ready = [...chosen].sort((a, b) => a - b);
    }
    this.round++;
    for (const i of ready) this.pending.delete(i);
    return ready.map((i) => this.files[i]!);
  }

  accept(results: readonly ParsedTreeFile[]): void {
    appendAll(this.parsed, results);
    this.growFamily();
  }

  /** The site finder's family rule, reading a macro's references only when its text may name a member. */
  private growFamily(): void {
    const definitions = this.parsed.flatMap((p) => p.definitions);
    for (let size = -1; size !== this.family.size; ) {
      size = this.family.size;
      const members = [...this.family];
      const candidates = definitions.filter((d) => !this.family.has(d.name) && (d.callees ? d.callees.some((c) => this.family.has(c)) : members.some((m) => d.body?.includes(m))));
      extendFamily(
        candidates.map((d) => ({ name: d.name, form: d.form, references: d.callees ? new Set(d.callees) : this.referencesOf(d) })),
        this.family,
      );
    }
  }

  private referencesOf(d: DefinitionInfo): Set<string> {
    let refs = this.references.get(d);
    if (!refs) {
      refs = d.body ? identifiersIn(d.body) : new Set();
      this.references.set(d, refs);
    }
    return refs;
  }

  /**
   * What the parsed files say so far: names that reach a flush, small exported
   * functions among them (possible wrappers), and callees of roots and helpers
   * whose definitions are not yet seen.
   */
  private frontier(): { reaching: string[]; wrappers: string[]; unresolved: string[] } {
    const facts = this.facts();
    // Only helpers pass classes on: a function that reaches a flush through a root is no wrapper.
    const exported = new Set(
      facts
        .flatMap((f) => f.functions)
        .filter((f) => f.exported)
        .map((f) => f.name),
    );
    const wrappers = new Set<string>();
    const unresolved = new Set<string>();
    // Each port's graph on its own: another port's root or helper of the same name says nothing here.
    for (const { graph, roots } of rootedGraphs(facts, this.family, this.extra)) {
      const defined = new Set(graph.functionNames());
      for (const name of graph.helperNames()) if (!this.family.has(name) && exported.has(name)) wrappers.add(name);
      const carriers = [...defined].filter((name) => roots.isRoot(name) || graph.isHelper(name));
      for (const carrier of carriers) for (const callee of graph.calleesOf(carrier)) if (!defined.has(callee) && !this.family.has(callee)) unresolved.add(callee);
    }
    const sortedWrappers = [...wrappers].sort();
    return { reaching: [...this.family, ...sortedWrappers], wrappers: sortedWrappers, unresolved: [...unresolved].sort() };
  }

  facts(): FileFacts[] {
    return this.parsed.map((p) => p.facts).sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  }

  parsedFiles(): readonly ParsedTreeFile[] {
    return this.parsed;
  }
}

/** Each port's call graph with its roots decided (call-graph.ts, PortGraphs). */
function rootedGraphs(facts: readonly FileFacts[], family: ReadonlySet<string>, extra: ExtraRoots): { graph: CallGraph; roots: Roots }[] {
  return new PortGraphs('new', facts, family).all().map((graph) => {
    const roots = new Roots(graph, extra);
    graph.setRootTest((name) => roots.isRoot(name));
    return { graph, roots };
  });
}

/** The helpers of a tree: the family and the thin wrappers some port's call graph finds (roots excluded). */
export function treeHelpers(facts: readonly FileFacts[], family: ReadonlySet<string>, extra: ExtraRoots): Set<string> {
  return new Set(rootedGraphs(facts, family, extra).flatMap(({ graph }) => graph.helperNames()));
}

export const extraRootNames = (extra: ExtraRoots): string[] => [...new Set(Object.values(extra).flat())].sort();
