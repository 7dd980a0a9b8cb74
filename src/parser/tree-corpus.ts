import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BaseTreeReader } from '../types.js';

/**
 * A directory tree's C files read once into one buffer, for every stage of a
 * run: which files name something costs a byte search of the buffer, and only
 * those files are decoded (and parsed, by whoever asks). The tree-site search
 * (classify), the tree's flush sources (model) and the calls a changed
 * definition alters (model) all ask it instead of reading the tree file by file.
 */

export const C_FILE = /\.(c|h|inc)$/;

/** C sources under `root`, relative with `/`, sorted; dot-directories and symlinks are skipped. */
export function listCFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, rel: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(join(dir, entry.name), path);
      else if (entry.isFile() && C_FILE.test(entry.name)) out.push(path);
    }
  };
  walk(root, '');
  return out.sort();
}

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
  private readonly paths: string[] = [];
  /** Where each file starts in `bytes`; one more entry for the end. */
  private readonly starts: number[] = [];
  private readonly bytes: Buffer;
  private readonly indexes = new Map<string, number>();
  private readonly decoded = new Map<number, CorpusFile>();
  private readonly mentions = new Map<string, ReadonlySet<number>>();

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
      this.indexes.set(path, this.paths.length);
      this.paths.push(path);
      this.starts.push(start);
    }
    this.starts.push(end);
    this.bytes = bytes.subarray(0, end);
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

/**
 * The corpus of a directory tree, read on first use in a run; undefined for a
 * tree that is not a directory (git). `existing` only looks: a caller that
 * wants one file reads it alone rather than the whole tree.
 */
export function treeCorpus(base: BaseTreeReader, existing = false): TreeCorpus | undefined {
  if (!base.directory) return undefined;
  let corpus = corpora.get(base);
  if (corpus === undefined) {
    if (existing) return undefined;
    try {
      corpus = new TreeCorpus(base.directory);
    } catch {
      corpus = null; // An unlistable tree: callers read file by file, as without a corpus.
    }
    corpora.set(base, corpus);
  }
  return corpus ?? undefined;
}
