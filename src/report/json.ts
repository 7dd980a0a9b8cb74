import type { RunResult } from '../types.js';
import type { Reporter } from './reporter.js';
import { jsonText } from './escape.js';

const indent = (text: string, by: string): string => text.replace(/\n/g, `\n${by}`);

/**
 * The run result as `JSON.stringify(run, null, 2)` would write it, one
 * top-level field or array element at a time, so a 40 MB series is never one
 * string in memory. (JSON strings hold no raw newline, so re-indenting the
 * lines of an element's own stringification gives the same bytes.)
 */
export function* jsonChunks(run: RunResult): Generator<string> {
  const entries = Object.entries(run).filter(([, v]) => v !== undefined);
  yield '{\n';
  for (let i = 0; i < entries.length; i++) {
    const [key, value] = entries[i]!;
    const comma = i + 1 < entries.length ? ',' : '';
    if (Array.isArray(value) && value.length > 0) {
      yield `  ${JSON.stringify(key)}: [\n`;
      for (let j = 0; j < value.length; j++) yield `    ${indent(JSON.stringify(value[j], null, 2), '    ')}${j + 1 < value.length ? ',' : ''}\n`;
      yield `  ]${comma}\n`;
    } else {
      yield `  ${JSON.stringify(key)}: ${indent(JSON.stringify(value, null, 2), '  ')}${comma}\n`;
    }
  }
  yield '}\n';
}

/** The same chunks with every character outside the allow-list as a `\uXXXX` escape: same values, no raw bidi or control bytes. */
function* safeJsonChunks(run: RunResult): Generator<string> {
  for (const chunk of jsonChunks(run)) yield jsonText(chunk);
}

/** The versioned contract (schema/flushcheck-result.schema.json). */
export const json: Reporter = Object.assign((run: RunResult) => [...safeJsonChunks(run)].join(''), { stream: safeJsonChunks });
