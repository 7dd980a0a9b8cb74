import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ExtraRoots, Site, ToolError, TreeIndex } from '../types.js';
import { locateTree } from '../xen/tree-root.js';
import type { WorkerReply, WorkerRequest } from './scan-worker.js';
import { extraRootNames, mergeRevisited, readTreeFiles, TreeFileStore, treeHelpers, TreePlanner, type ParsedTreeFile, type RevisitedFile, type TreeFile } from './tree-index.js';

/**
 * The whole-tree index `flushcheck scan` classifies against: files are read
 * once, skipped before parsing when they cannot matter, and parsed on worker
 * threads (one per core, two by default). src/pipeline/scan.ts runs its sites
 * through the stages.
 */

export interface IndexOptions {
  roots?: ExtraRoots;
  /** Worker threads; 0 parses in this thread. Default: the cores, at most 2. */
  workers?: number;
  /** Called as files are parsed: done so far, and the files in the tree. */
  onProgress?: (done: number, total: number) => void;
}

/** Files per message: small enough to balance two workers, large enough to amortize messaging. */
const CHUNK_BYTES = 256 * 1024;

interface Parser {
  parse(files: TreeFile[], family: ReadonlySet<string>, onChunk: (count: number) => void): Promise<ParsedTreeFile[]>;
  revisit(family: ReadonlySet<string>, helpers: ReadonlySet<string>): Promise<RevisitedFile[]>;
  close(): Promise<void>;
}

/** Parses in this thread (no workers, or workers unavailable). */
class LocalParser implements Parser {
  private readonly store = new TreeFileStore();
  async parse(files: TreeFile[], family: ReadonlySet<string>, onChunk: (count: number) => void): Promise<ParsedTreeFile[]> {
    const snapshot = new Set(family);
    return files.map((f) => {
      const parsed = this.store.parse(f, snapshot);
      onChunk(1);
      return parsed;
    });
  }
  async revisit(family: ReadonlySet<string>, helpers: ReadonlySet<string>): Promise<RevisitedFile[]> {
    return this.store.revisit(family, helpers).files;
  }
  async close(): Promise<void> {}
}

function startWorker(): Worker {
  const here = import.meta.url;
  // From the TypeScript sources (tests, tsx) the worker needs tsx's loader too.
  if (here.endsWith('.ts')) {
    const entry = new URL('./scan-worker.ts', here).href;
    return new Worker(`import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`, { eval: true });
  }
  // From the CLI bundle (dist/flushcheck.bundle.js, or its CommonJS twin), the worker is the bundle beside it (scripts/bundle.ts).
  return new Worker(new URL(/\.bundle\.c?js$/.test(here) ? './scan-worker.bundle.js' : './scan-worker.js', here));
}

class WorkerParser implements Parser {
  private readonly workers: Worker[];
  constructor(count: number) {
    this.workers = Array.from({ length: count }, startWorker);
  }

  private ask(worker: Worker, request: WorkerRequest): Promise<WorkerReply> {
    return new Promise((resolve, reject) => {
      const onMessage = (reply: WorkerReply): void => {
        cleanup();
        if (reply.kind === 'failed') reject(new Error(reply.message));
        else resolve(reply);
      };
      const onError = (error: Error): void => {
        cleanup();
        reject(error);
      };
      const cleanup = (): void => {
        worker.off('message', onMessage);
        worker.off('error', onError);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.postMessage(request);
    });
  }

  async parse(files: TreeFile[], family: ReadonlySet<string>, onChunk: (count: number) => void): Promise<ParsedTreeFile[]> {
    const chunks: TreeFile[][] = [];
    let current: TreeFile[] = [];
    let bytes = 0;
    for (const f of files) {
      current.push(f);
      bytes += f.text.length;
      if (bytes >= CHUNK_BYTES) {
        chunks.push(current);
        current = [];
        bytes = 0;
      }
    }
    if (current.length) chunks.push(current);
    const results: ParsedTreeFile[][] = new Array(chunks.length);
    const members = [...family];
    let next = 0;
    // Each worker pulls the next chunk when done: both cores stay busy.
    await Promise.all(
      this.workers.map(async (worker) => {
        while (next < chunks.length) {
          const i = next++;
          const reply = await this.ask(worker, { kind: 'parse', files: chunks[i]!, family: members });
          if (reply.kind !== 'parsed') throw new Error('scan worker: unexpected reply');
          results[i] = reply.results;
          onChunk(chunks[i]!.length);
        }
      }),
    );
    return results.flat();
  }

  async revisit(family: ReadonlySet<string>, helpers: ReadonlySet<string>): Promise<RevisitedFile[]> {
    const request: WorkerRequest = { kind: 'revisit', family: [...family], helpers: [...helpers] };
    const replies = await Promise.all(this.workers.map((worker) => this.ask(worker, request)));
    return replies.flatMap((r) => (r.kind === 'revisited' ? r.files : []));
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

export interface IndexedTree {
  index: TreeIndex;
  /** Every site in the tree, unsorted. */
  sites: Site[];
  /** Files that could not be read. */
  errors: ToolError[];
  /**
   * Whether the index stands for the whole tree (the repository root or its xen/):
   * a subfolder's index lacks the rest of the tree's callers.
   */
  whole: boolean;
}

/** Indexes the tree at `directory`; paths are relative to the repository root above it. */
export async function indexTree(directory: string, options: IndexOptions): Promise<IndexedTree> {
  const { root, scope } = locateTree(directory);
  const errors: ToolError[] = [];
  const inRoot = (path: string): string => (scope ? `${scope}/${path}` : path);
  const files = readTreeFiles(scope ? join(root, scope) : root, errors).map((f) => ({ ...f, path: inRoot(f.path) }));
  for (const e of errors) if (e.file) e.file = inRoot(e.file);
  const extra = options.roots ?? {};
  const planner = new TreePlanner(files, extraRootNames(extra), extra);
  const workerCount = options.workers ?? Math.min(2, availableParallelism());
  let parser: Parser;
  try {
    parser = workerCount > 0 ? new WorkerParser(workerCount) : new LocalParser();
  } catch {
    parser = new LocalParser();
  }
  let done = 0;
  const progress = (n: number): void => {
    done += n;
    options.onProgress?.(done, files.length);
  };
  let revisited: RevisitedFile[];
  try {
    for (let batch = planner.nextBatch(); batch.length > 0; batch = planner.nextBatch()) planner.accept(await parser.parse(batch, planner.family, progress));
    revisited = await parser.revisit(planner.family, treeHelpers(planner.facts(), planner.family, extra));
  } finally {
    await parser.close();
  }
  options.onProgress?.(files.length, files.length);
  const { facts, sites } = mergeRevisited(planner.parsedFiles(), revisited);
  return { index: { directory: root, family: planner.family, facts, parsed: planner.parsedCount, skipped: files.length - planner.parsedCount }, sites, errors, whole: scope === '' || scope === 'xen' };
}
