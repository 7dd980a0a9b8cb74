import { receiveMessageOnPort } from 'node:worker_threads';
import type { BaseTreeReader } from '../types.js';
import { type CorpusParts, type CorpusRead, hypervisorScope, readCorpus, startCorpusRead, takeEarlyCorpusRead } from './corpus-read.js';

export { hypervisorScope, listCFiles } from './corpus-read.js';

/**
 * A directory tree's C files read once into one buffer, for every stage of a
 * run: which files name something costs a byte search of the buffer, and only
 * those files are decoded (and parsed, by whoever asks). The tree-site search
 * (classify), the tree's flush sources (model) and the calls a changed
 * definition alters (model) all ask it instead of reading the tree file by file.
 * A review that has sites reads it in a worker thread (prefetchTreeCorpus;
 * corpus-read.ts), so the reading overlaps the stages that come first.
 */

export const C_FILE = /\.(c|h|inc)$/;

export interface CorpusFile {
  /** Relative to the tree root, with `/`. */
  path: string;
  text: string;
}

/** Decoded files kept at once: past this, a file is decoded again when asked (bounded memory). */
const DECODED_LIMIT = 256;
/** Names whose search is remembered: past this, the memory starts over. */
const MENTIONS_LIMIT = 4096;

export class TreeCorpus {
  private readonly paths: string[];
  /** Where each file starts in `bytes`; one more entry for the end. */
  private readonly starts: number[];
  private readonly bytes: Buffer;
  private readonly indexes = new Map<string, number>();
  private readonly decoded = new Map<number, CorpusFile>();
  private readonly mentions = new Map<string, ReadonlySet<number>>();

  /**
   * `scope` is the one directory read (`xen` for a repository root: the
   * hypervisor, whose code alone can call hypervisor functions; tools/ and
   * stubdom/ are user space). Paths stay relative to `directory`.
   */
  constructor(directory: string, scope = hypervisorScope(directory), parts?: CorpusParts) {
    const read = parts ?? readCorpus(directory, scope);
    this.paths = read.paths;
    this.starts = read.starts;
    this.bytes = Buffer.from(read.bytes.buffer, read.bytes.byteOffset, read.bytes.byteLength);
    for (const [i, p] of this.paths.entries()) this.indexes.set(p, i);
  }

  get size(): number {
    return this.paths.length;
  }

  /** The corpus index of a file, when the listing had it (and it could be read). */
  indexOf(path: string): number | undefined {
    return this.indexes.get(path);
  }

  path(i: number): string {
    return this.paths[i]!;
  }

  /** Every file's path, sorted. */
  get files(): readonly string[] {
    return this.paths;
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

  /** The files whose path starts with `prefix`: one run of indexes, as paths are sorted. */
  private filesUnder(prefix: string): { first: number; end: number } {
    let lo = 0;
    let hi = this.paths.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.paths[mid]! < prefix) lo = mid + 1;
      else hi = mid;
    }
    let end = lo;
    while (end < this.paths.length && this.paths[end]!.startsWith(prefix)) end++;
    return { first: lo, end };
  }

  /**
   * Files under `prefix` (a path prefix such as `xen/arch/x86/`; empty for
   * all) where `name` occurs at all: what `text.includes(name)` says of each
   * file. An ASCII name is found byte for byte in UTF-8; any other is
   * searched in the decoded texts.
   */
  filesMentioning(name: string, prefix = ''): ReadonlySet<number> {
    const key = `${prefix}\u0000${name}`;
    const found = this.mentions.get(key);
    if (found) return found;
    const { first, end } = this.filesUnder(prefix);
    const set = new Set<number>();
    if (name.length === 0) for (let i = first; i < end; i++) set.add(i);
    else if (!/^[\x20-\x7e]*$/.test(name)) {
      for (let i = first; i < end; i++) if (this.file(i).text.includes(name)) set.add(i);
    } else if (first < end) {
      // Only the bytes of those files: a search of one directory costs that directory.
      const bytes = this.bytes.subarray(0, this.starts[end]!);
      for (let at = bytes.indexOf(name, this.starts[first]!, 'latin1'); at >= 0; ) {
        const file = this.fileAt(at);
        set.add(file);
        const next = this.starts[file + 1]!;
        at = next < bytes.length ? bytes.indexOf(name, next, 'latin1') : -1;
      }
    }
    if (this.mentions.size >= MENTIONS_LIMIT) this.mentions.clear();
    this.mentions.set(key, set);
    return set;
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

  /** A file's text, decoded as a tree reader would (UTF-8, line ends normalized). */
  file(i: number): CorpusFile {
    let file = this.decoded.get(i);
    if (!file) {
      file = { path: this.paths[i]!, text: this.bytes.toString('utf8', this.starts[i], this.starts[i + 1]).replace(/\r\n?/g, '\n') };
      if (this.decoded.size >= DECODED_LIMIT) this.decoded.delete(this.decoded.keys().next().value!);
      this.decoded.set(i, file);
    }
    return file;
  }

  /** The text of `path` when the corpus holds it. */
  text(path: string): string | undefined {
    const i = this.indexes.get(path);
    return i === undefined ? undefined : this.file(i).text;
  }
}

const [SPACE, TAB, LF, CR, FF, VT, BACKSLASH, OPEN_PAREN] = [0x20, 0x09, 0x0a, 0x0d, 0x0c, 0x0b, 0x5c, 0x28];
const isIdentifierByte = (b: number): boolean => (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x5f || b === 0x24;

// Keyed by the run's view of the tree (util/run-context.ts): the corpus dies with the run.
const corpora = new WeakMap<BaseTreeReader, TreeCorpus | null>();

const prefetches = new WeakMap<BaseTreeReader, CorpusRead>();

/** How long a stage waits for a prefetch before reading the tree itself (a stuck or dead worker). */
const PREFETCH_WAIT_MS = 20_000;

/**
 * Starts reading the run's corpus of `base` in a worker thread, for a review
 * that will search the tree: the stages before the search run meanwhile, and
 * the first treeCorpus() call takes the result (or reads the tree itself when
 * no worker can run). Nothing for a tree that is not a directory, or read already.
 */
export function prefetchTreeCorpus(base: BaseTreeReader): void {
  const directory = base.directory;
  if (!directory || corpora.has(base) || prefetches.has(base)) return;
  // The read bin/flushcheck.js started before it loaded the CLI, else a new one.
  const read = takeEarlyCorpusRead(directory) ?? startCorpusRead(directory);
  // Without a worker, the first treeCorpus() call reads the tree in this thread.
  if (read) prefetches.set(base, read);
}

/** The prefetched corpus once its worker is done (waiting for it unless `wait` is false); undefined when it failed. */
function takePrefetch(base: BaseTreeReader, directory: string, wait: boolean): TreeCorpus | null | undefined {
  const prefetch = prefetches.get(base)!;
  if (!wait && Atomics.load(prefetch.signal, 0) === 0) return undefined;
  prefetches.delete(base);
  Atomics.wait(prefetch.signal, 0, 0, PREFETCH_WAIT_MS);
  const message = receiveMessageOnPort(prefetch.port)?.message as { parts?: CorpusParts } | undefined;
  prefetch.port.close();
  if (!message?.parts) void prefetch.worker.terminate();
  try {
    return new TreeCorpus(directory, prefetch.scope, message?.parts);
  } catch {
    return null;
  }
}

/**
 * How a caller wants the corpus: `read` it (on first use), use it if `started`
 * (read, or being read by a prefetch: waiting is cheaper than reading a
 * directory file by file), or only if `existing` (finished: a caller that
 * wants one file reads it alone rather than wait).
 */
export type CorpusUse = 'read' | 'started' | 'existing';

/** The corpus of a directory tree, once per run's view of it; undefined for a tree that is not a directory (git). */
export function treeCorpus(base: BaseTreeReader, use: CorpusUse = 'read'): TreeCorpus | undefined {
  if (!base.directory) return undefined;
  let corpus = corpora.get(base);
  if (corpus === undefined) {
    if (prefetches.has(base)) {
      corpus = takePrefetch(base, base.directory, use !== 'existing');
      if (corpus === undefined) return undefined;
    } else {
      if (use !== 'read') return undefined;
      try {
        corpus = new TreeCorpus(base.directory);
      } catch {
        corpus = null; // An unlistable tree: callers read file by file, as without a corpus.
      }
    }
    corpora.set(base, corpus);
  }
  return corpus ?? undefined;
}
