import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { ExtraRoots, FileFacts } from '../types.js';
import { extendFamily } from '../sites/find-sites.js';
import { THIN_WRAPPER_STATEMENTS } from './call-graph.js';
import { summarizeImage } from './summarize.js';
import { listCFiles, treeImage, type TreeFile, type TreeIndex } from './tree-index.js';

/**
 * What a review against a tree needs of it: the callers of the functions
 * that hold the patch's sites, and their callers in turn while they are
 * helpers (classes only travel through helpers), up to the roots. A search
 * by name, file by file, instead of the whole-tree index a scan builds:
 * reviews stay cheap on a large tree.
 */

/** How far up a chain of helpers the search goes. */
export const SEARCH_DEPTH = 8;

/**
 * A tree's C files read once into one buffer, searched as one string: which
 * files call a name costs one pass of a regular expression over the bytes,
 * and only those files are decoded and parsed.
 */
class TreeCorpus {
  private readonly paths: string[] = [];
  /** Where each file starts in `bytes`; one more entry for the end. */
  private readonly starts: number[] = [];
  private readonly bytes: Buffer;
  /** The bytes as Latin-1 (one character a byte): identifiers are ASCII, offsets stay byte offsets. */
  private readonly searchable: string;
  private readonly files = new Map<number, TreeFile>();

  constructor(directory: string) {
    let bytes = Buffer.allocUnsafe(1 << 20);
    let end = 0;
    for (const path of listCFiles(directory)) {
      let fd: number;
      try {
        fd = openSync(join(directory, path), 'r');
      } catch {
        continue; // An unreadable file cannot be searched; the scan reports it.
      }
      const start = end;
      try {
        for (;;) {
          if (bytes.length - end < 1 << 16) {
            const grown = Buffer.allocUnsafe(bytes.length * 2);
            bytes.copy(grown, 0, 0, end);
            bytes = grown;
          }
          const n = readSync(fd, bytes, end, bytes.length - end, null);
          if (n <= 0) break;
          end += n;
        }
      } catch {
        end = start;
        continue;
      } finally {
        closeSync(fd);
      }
      this.paths.push(path);
      this.starts.push(start);
    }
    this.starts.push(end);
    this.bytes = bytes.subarray(0, end);
    this.searchable = this.bytes.toString('latin1');
  }

  get size(): number {
    return this.paths.length;
  }

  /** The file that holds byte `offset`. */
  private fileAt(offset: number): number {
    let lo = 0;
    let hi = this.paths.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /**
   * Files where one of `names` is followed by `(`: the only files whose
   * summaries can hold a call to it (a call edge is an identifier called).
   */
  filesCalling(names: readonly string[]): number[] {
    if (names.length === 0) return [];
    const pattern = new RegExp(`(?<![\\w$])(?:${names.map(escapeRegExp).join('|')})(?=(?:\\s|\\\\\\r?\\n)*\\()`, 'g');
    const out: number[] = [];
    for (let m = pattern.exec(this.searchable); m; m = pattern.exec(this.searchable)) {
      const i = this.fileAt(m.index);
      out.push(i);
      pattern.lastIndex = this.starts[i + 1]!;
    }
    return out;
  }

  file(i: number): TreeFile {
    let file = this.files.get(i);
    if (!file) {
      file = { path: this.paths[i]!, text: this.bytes.toString('utf8', this.starts[i], this.starts[i + 1]).replace(/\r\n?/g, '\n') };
      this.files.set(i, file);
    }
    return file;
  }
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const corpora = new Map<string, TreeCorpus>();
/** Facts of tree files already summarized: a series reviews against one tree. */
const factsByFile = new Map<TreeFile, FileFacts>();

function factsOf(file: TreeFile): FileFacts {
  let facts = factsByFile.get(file);
  if (!facts) {
    facts = summarizeImage(treeImage(file.path, file.text));
    factsByFile.set(file, facts);
  }
  return facts;
}

function corpusOf(directory: string): TreeCorpus {
  let corpus = corpora.get(directory);
  if (!corpus) {
    corpus = new TreeCorpus(directory);
    corpora.set(directory, corpus);
  }
  return corpus;
}

/** The tree around `starts` (function names): their callers, up through helpers. */
export function searchTree(directory: string, starts: readonly string[], family: ReadonlySet<string>, extra: ExtraRoots): TreeIndex {
  const corpus = corpusOf(directory);
  const parsed = new Map<string, FileFacts>();
  const grown = new Set(family);
  const searched = new Set<string>();
  let frontier = [...new Set(starts)].sort();
  const configured = new Set(Object.values(extra).flat());
  for (let depth = 0; depth < SEARCH_DEPTH && frontier.length > 0; depth++) {
    for (const name of frontier) searched.add(name);
    for (const i of corpus.filesCalling(frontier)) {
      const file = corpus.file(i);
      if (!parsed.has(file.path)) parsed.set(file.path, factsOf(file));
    }
    const facts = [...parsed.values()];
    // Helpers defined in the tree (macros and inline functions on the flush API) join the family.
    extendFamily(
      facts.flatMap((f) =>
        f.functions
          .filter((fn) => fn.form === 'inline-function')
          .map((fn) => ({ name: fn.name, form: 'inline-function' as const, references: new Set(f.edges.filter(([caller]) => caller === fn.name).map(([, callee]) => callee)) })),
      ),
      grown,
    );
    const definitions = new Map(facts.flatMap((f) => f.functions.map((fn) => [fn.name, fn] as const)));
    const next = new Set<string>();
    for (const f of facts) {
      for (const [caller, callee] of f.edges) {
        if (!frontier.includes(callee) || searched.has(caller)) continue;
        const def = definitions.get(caller);
        // Only a helper passes classes on; a root or a plain function ends the chain.
        const helperLike = grown.has(caller) || (def !== undefined && !def.partial && def.statements <= THIN_WRAPPER_STATEMENTS && !configured.has(caller));
        if (helperLike) next.add(caller);
      }
    }
    frontier = [...next].sort();
  }
  // Macro helpers in the parsed headers count too.
  for (const f of parsed.values()) for (const fn of f.functions) if (fn.form === 'function-macro' && [...f.edges].some(([caller, callee]) => caller === fn.name && grown.has(callee))) grown.add(fn.name);
  const facts = [...parsed.values()].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return { directory, family: grown, facts, parsed: parsed.size, skipped: corpus.size - parsed.size };
}
