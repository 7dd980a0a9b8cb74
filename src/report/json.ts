import type { RunResult } from '../types.js';
import type { Reporter } from './reporter.js';
import { jsonText } from './escape.js';
import { prettyJsonPieces } from './json-stream.js';

/**
 * The run result as `JSON.stringify(run, null, 2)` would write it (and a
 * newline), in pieces of tens of kilobytes: a report that grows with a 40 MB
 * series is never one string in memory (json-stream.ts).
 */
export function* jsonChunks(run: RunResult): Generator<string> {
  yield* prettyJsonPieces(run);
  yield '\n';
}

/** The same chunks with every character outside the allow-list as a `\uXXXX` escape: same values, no raw bidi or control bytes. */
function* safeJsonChunks(run: RunResult): Generator<string> {
  for (const chunk of jsonChunks(run)) yield jsonText(chunk);
}

/** The versioned contract (schema/flushcheck-result.schema.json). */
export const json: Reporter = Object.assign((run: RunResult) => [...safeJsonChunks(run)].join(''), { stream: safeJsonChunks });
