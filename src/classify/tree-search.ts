import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ExtraRoots, FileFacts, RunScope, TreeIndex } from '../types.js';
import { defineSlot } from '../util/run-context.js';
import { extendFamily } from '../sites/find-sites.js';
import { THIN_WRAPPER_STATEMENTS } from './call-graph.js';
import { summarizeImage } from './summarize.js';
import { listCFiles, treeImage, type TreeFile } from './tree-index.js';

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
 * A tree's C files read once into one buffer: which files call a name costs
 * a byte search per name, and only those files are decoded and parsed.
 */
class TreeCorpus {
  private readonly paths: string[] = [];
  /** Where each file starts in `bytes`; one more entry for the end. */
  private readonly starts: number[] = [];
  private readonly bytes: Buffer;
  private readonly files = new Map<number, TreeFile>();

  constructor(directory: string) {
    const listed = listCFiles(directory).map((path) => {
      try {
        return { path, size: statSync(join(directory, path)).size };
      } catch {
        return { path, size: 0 };
      }
    });
    // Sized once from the listing: a file that grew meanwhile is read in part.
    const bytes = Buffer.allocUnsafe(listed.reduce((sum, f) => sum + f.size, 0));
    let end = 0;
    for (const { path, size } of listed) {
      const start = end;
      try {
        const fd = openSync(join(directory, path), 'r');
        try {
          for (let n = -1; n !== 0 && end < start + size; end += n) n = readSync(fd, bytes, end, start + size - end, null);
        } finally {
          closeSync(fd);
        }
      } catch {
        end = start; // An unreadable file cannot be searched; the scan reports it.
        continue;
      }
      this.paths.push(path);
      this.starts.push(start);
    }
    this.starts.push(end);
    this.bytes = bytes.subarray(0, end);
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
   * Files, in path order, where one of `names` is followed by `(`: the only
   * files whose summaries can hold a call to it (a call edge is an
   * identifier called), macro bodies with line continuations included.
   */
  filesCalling(names: readonly string[]): number[] {
    const found = new Set<number>();
    const bytes = this.bytes;
    for (const name of names) {
      for (let at = bytes.indexOf(name, 0, 'latin1'); at >= 0; ) {
        let next = at + 1;
        if (at === 0 || !isIdentifierByte(bytes[at - 1]!)) {
          let after = at + name.length;
          for (;;) {
            const b = bytes[after];
            if (b === SPACE || b === TAB || b === LF || b === CR || b === FF || b === VT) after++;
            else if (b === BACKSLASH && (bytes[after + 1] === LF || bytes[after + 1] === CR)) after += 2;
            else break;
          }
          if (bytes[after] === OPEN_PAREN) {
            const file = this.fileAt(at);
            found.add(file);
            next = this.starts[file + 1]!;
          }
        }
        at = next < bytes.length ? bytes.indexOf(name, next, 'latin1') : -1;
      }
    }
    return [...found].sort((a, b) => a - b);
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

const [SPACE, TAB, LF, CR, FF, VT, BACKSLASH, OPEN_PAREN] = [0x20, 0x09, 0x0a, 0x0d, 0x0c, 0x0b, 0x5c, 0x28];
const isIdentifierByte = (b: number): boolean => (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x5f || b === 0x24;

/** The tree's files, read once per run: every patch of a series reviews against the same text. */
const CORPORA = defineSlot('tree-search corpora', () => new Map<string, TreeCorpus>());
/** Facts of tree files already summarized in this run. */
const FACTS = defineSlot('tree-search facts', () => new Map<TreeFile, FileFacts>());

function factsOf(run: RunScope, file: TreeFile): FileFacts {
  const cache = run.get(FACTS);
  let facts = cache.get(file);
  if (!facts) {
    facts = summarizeImage(treeImage(file.path, file.text));
    cache.set(file, facts);
  }
  return facts;
}

function corpusOf(run: RunScope, directory: string): TreeCorpus {
  const corpora = run.get(CORPORA);
  let corpus = corpora.get(directory);
  if (!corpus) {
    corpus = new TreeCorpus(directory);
    corpora.set(directory, corpus);
  }
  return corpus;
}

/** The tree around `starts` (function names): their callers, up through helpers. */
export function searchTree(run: RunScope, directory: string, starts: readonly string[], family: ReadonlySet<string>, extra: ExtraRoots): TreeIndex {
  const corpus = corpusOf(run, directory);
  const parsed = new Map<string, FileFacts>();
  const grown = new Set(family);
  const searched = new Set<string>();
  let frontier = [...new Set(starts)].sort();
  const configured = new Set(Object.values(extra).flat());
  for (let depth = 0; depth < SEARCH_DEPTH && frontier.length > 0; depth++) {
    for (const name of frontier) searched.add(name);
    for (const i of corpus.filesCalling(frontier)) {
      const file = corpus.file(i);
      if (!parsed.has(file.path)) parsed.set(file.path, factsOf(run, file));
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
  for (const f of parsed.values())
    for (const fn of f.functions) if (fn.form === 'function-macro' && [...f.edges].some(([caller, callee]) => caller === fn.name && grown.has(callee))) grown.add(fn.name);
  const facts = [...parsed.values()].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return { directory, family: grown, facts, parsed: parsed.size, skipped: corpus.size - parsed.size };
}
