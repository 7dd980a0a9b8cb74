import type { Reporter } from './reporter.js';

/** The versioned contract (schema/flushcheck-result.schema.json). */
export const json: Reporter = (run) => `${JSON.stringify(run, null, 2)}\n`;
