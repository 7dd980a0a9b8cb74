import * as fs from 'node:fs';
import * as path from 'node:path';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { locateTree } from '../xen/tree-root.js';

/**
 * Reading a directory tree's C files into one buffer, the corpus of
 * tree-corpus.ts, in a worker thread. It imports Node's builtins and
 * xen/tree-root.ts alone: bin/flushcheck.js imports tsc's build of it to start
 * the read before it loads the CLI bundle (startEarlyCorpusRead). On a busy 2-core machine the worker
 * takes ~100 ms to boot and ~200 ms to read Xen's xen/, and a review against
 * the tree asks for the corpus some 350 ms after it starts: the bundle's
 * load is the head start the read lacked.
 */

/**
 * C sources under `root`, relative with `/`, sorted; dot-directories and
 * symlinks are skipped. Self-contained (its modules are parameters): the
 * worker runs its source text.
 */
function listCSources(files: typeof fs, paths: typeof path, root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, rel: string): void => {
    for (const entry of files.readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const at = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(paths.join(dir, entry.name), at);
      else if (entry.isFile() && /\.(c|h|inc)$/.test(entry.name)) out.push(at);
    }
  };
  walk(root, '');
  return out.sort();
}

/** C sources under `root`, relative with `/`, sorted; dot-directories and symlinks are skipped. */
export const listCFiles = (root: string): string[] => listCSources(fs, path, root);

/** What a corpus is made of, read in this thread or in the worker. */
export interface CorpusParts {
  paths: string[];
  /** Where each file starts in `bytes`; one more entry for the end. */
  starts: number[];
  bytes: Uint8Array;
}

/**
 * Reads the C files under `directory`/`scope` into one buffer (paths relative
 * to `directory`). Self-contained like listCSources, for the same reason.
 */
function readCorpusParts(files: typeof fs, paths: typeof path, directory: string, scope: string): CorpusParts {
  const listed = listCSources(files, paths, scope ? paths.join(directory, scope) : directory).map((rel) => {
    const at = scope ? `${scope}/${rel}` : rel;
    try {
      return { path: at, size: files.statSync(paths.join(directory, at)).size };
    } catch {
      return { path: at, size: 0 };
    }
  });
  // Sized once from the listing: a file that grew meanwhile is read in part.
  const bytes = new Uint8Array(listed.reduce((sum, f) => sum + f.size, 0));
  const out: CorpusParts = { paths: [], starts: [], bytes };
  let end = 0;
  for (const { path: at, size } of listed) {
    const start = end;
    try {
      const fd = files.openSync(paths.join(directory, at), 'r');
      try {
        for (let n = -1; n !== 0 && end < start + size; end += n) n = files.readSync(fd, bytes, end, start + size - end, null);
      } finally {
        files.closeSync(fd);
      }
    } catch {
      end = start; // An unreadable file cannot be searched; the scan reports it.
      continue;
    }
    out.paths.push(at);
    out.starts.push(start);
  }
  out.starts.push(end);
  out.bytes = bytes.subarray(0, end);
  return out;
}

/** The corpus of `directory`/`scope`, read in this thread. */
export const readCorpus = (directory: string, scope: string): CorpusParts => readCorpusParts(fs, path, directory, scope);

/** `xen` when `directory` holds a non-empty `xen/` (a repository root), else `''`: the tree as a whole. */
export function hypervisorScope(directory: string): string {
  try {
    return fs.readdirSync(path.join(directory, 'xen')).length > 0 ? 'xen' : '';
  } catch {
    return '';
  }
}

/** A read going on in a worker: `signal[0]` turns 1 once its message is on `port`. */
export interface CorpusRead {
  directory: string;
  scope: string;
  worker: Worker;
  port: MessagePort;
  signal: Int32Array;
}

// The worker's whole program: the two readers' source texts, so it needs no module file (works bundled or not).
const READ_PROGRAM = `'use strict';
const { workerData } = require('node:worker_threads');
const { port, signal, directory, scope } = workerData;
${listCSources.toString()}
${readCorpusParts.toString()}
let message;
try {
  message = { parts: readCorpusParts(require('node:fs'), require('node:path'), directory, scope) };
  // One search of the whole buffer here, off the review's thread: the process's first search of
  // fresh memory costs ~30 ms on 15 MB, later ones ~6 ms (measured on Xen 4.17's xen/).
  const { bytes } = message.parts;
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf('\\x00\\x01\\x02\\x03\\x04\\x05\\x06\\x07', 0, 'latin1');
} catch (error) {
  message = { error: String(error) };
}
port.postMessage(message, message.parts ? [message.parts.bytes.buffer] : []);
Atomics.store(signal, 0, 1);
Atomics.notify(signal, 0);
`;

/**
 * Starts reading the corpus of `directory` (a real path) in a worker; undefined
 * when no worker can run. The worker never keeps the process alive.
 */
export function startCorpusRead(directory: string, scope = hypervisorScope(directory)): CorpusRead | undefined {
  try {
    const signal = new Int32Array(new SharedArrayBuffer(4));
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(READ_PROGRAM, { eval: true, workerData: { port: port2, signal, directory, scope }, transferList: [port2] });
    // The run never waits on the worker's exit, and an error reaches the waiting stage as a timeout or an error message.
    worker.unref();
    worker.on('error', () => {});
    return { directory, scope, worker, port: port1, signal };
  } catch {
    return undefined;
  }
}

/** Where the entry point's read waits: process-wide, as bin/flushcheck.js's copy of this module is not the bundle's. */
const EARLY = Symbol.for('flushcheck.early-corpus-read');
type WithEarly = typeof globalThis & { [EARLY]?: CorpusRead };

/**
 * For bin/flushcheck.js, before it loads the CLI: `review --tree DIR` (without
 * `--git`, which reads a git revision), DIR in a Xen tree, starts reading the
 * tree now, on the guess that the patch has sites. A wrong guess costs a read on the other core; the
 * read never delays an exit. Anything this simple look at the arguments
 * misreads is only not read early.
 * @public
 */
export function startEarlyCorpusRead(args: readonly string[]): void {
  if (args.find((a) => !a.startsWith('-')) !== 'review' || args.some((a) => a === '--git' || a.startsWith('--git='))) return;
  const at = args.indexOf('--tree');
  const given = at >= 0 ? args[at + 1] : args.find((a) => a.startsWith('--tree='))?.slice('--tree='.length);
  if (!given) return;
  let tree: ReturnType<typeof locateTree>;
  try {
    // The review reads the repository root above the directory named (xen/tree-root.ts).
    tree = locateTree(given);
  } catch {
    return;
  }
  // A Xen tree only: a guess about any other directory (`--tree /`) could read far more than a review would.
  if (!tree.isXen) return;
  const read = startCorpusRead(tree.root);
  if (read) (globalThis as WithEarly)[EARLY] = read;
}

/** The entry point's read of `directory` (a real path), handed over once; undefined when it started none for it. */
export function takeEarlyCorpusRead(directory: string): CorpusRead | undefined {
  const early = (globalThis as WithEarly)[EARLY];
  if (!early || early.directory !== directory) return undefined;
  delete (globalThis as WithEarly)[EARLY];
  return early;
}
