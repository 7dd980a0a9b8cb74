import { setImmediate as nextTurn } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort } from 'node:worker_threads';
import { TreeFileStore, type ParsedTreeFile, type RevisitedFile, type TreeFile } from './tree-index.js';
import { appendAll } from '../util/append.js';

/**
 * A scan worker: pass 1 over the files it is sent, then pass 2 once the
 * family and helpers are final (see tree-index.ts). Messages:
 * `{ kind: 'parse', files, family }` → `{ kind: 'parsed', results }`;
 * `{ kind: 'revisit', family, helpers }` → `{ kind: 'revisited', files }`.
 */

export type WorkerRequest = { kind: 'parse'; files: TreeFile[]; family: string[] } | { kind: 'revisit'; family: string[]; helpers: string[] };
export type WorkerReply = { kind: 'parsed'; results: ParsedTreeFile[] } | { kind: 'revisited'; files: RevisitedFile[] } | { kind: 'failed'; message: string };

// A tree-sitter tree lives outside the JS heap, which does not feel its size,
// and is freed only by its wrapper's finalizer. After each file, a turn of the
// event loop and a minor collection (cheap: the wrappers are young) free it,
// so native memory stays at about one file's tree.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as (options?: { type?: 'major' | 'minor' }) => void;

async function release(): Promise<void> {
  await nextTurn();
  collectGarbage({ type: 'minor' });
  await nextTurn();
}

const store = new TreeFileStore();

async function handle(request: WorkerRequest): Promise<WorkerReply> {
  const family = new Set(request.family);
  if (request.kind === 'parse') {
    const results: ParsedTreeFile[] = [];
    for (const file of request.files) {
      results.push(store.parse(file, family));
      await release();
    }
    return { kind: 'parsed', results };
  }
  const helpers = new Set(request.helpers);
  const files: RevisitedFile[] = [];
  // A budget of one byte: one file that needs a second look per slice.
  for (let more = true; more; ) {
    const slice = store.revisit(family, helpers, 1);
    appendAll(files, slice.files);
    more = slice.more;
    await release();
  }
  return { kind: 'revisited', files };
}

parentPort!.on('message', (request: WorkerRequest) => {
  handle(request).then(
    (reply) => parentPort!.postMessage(reply),
    (error: unknown) => parentPort!.postMessage({ kind: 'failed', message: (error as Error).message } satisfies WorkerReply),
  );
});
