import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe } from 'vitest';
import { REPO } from './cli.js';

/**
 * Files the project keeps outside the repository, in the `shared/` folder laid
 * beside a checkout (the seed thread, the official SARIF schema). Nothing may be
 * copied into the repo, so tests that read them run only where the folder is.
 */
const SHARED = process.env.FLUSHCHECK_SHARED ?? join(REPO, '..', 'shared');
/** `FLUSHCHECK_SHARED` names the folder when it is not beside the checkout. */
export const sharedPath = (...parts: string[]): string => join(SHARED, ...parts);

export const SEED = sharedPath('seed', 'assisted-flush-v2-thread.txt');
export const SARIF_SCHEMA = sharedPath('schemas', 'sarif-schema-2.1.0.json');

/**
 * `describe` when `path` exists; otherwise the block is skipped and one line says
 * why, so an absent file is never a silent pass.
 */
export function describeIfShared(path: string, name: string, body: () => void): void {
  if (existsSync(path)) {
    describe(name, body);
    return;
  }
  const shown = process.env.FLUSHCHECK_SHARED ? path : relative(REPO, path);
  console.log(`skipped "${name}": no ${shown} (the shared/ folder beside the checkout, or FLUSHCHECK_SHARED)`);
  describe.skip(name, body);
}
