import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FORMAT_NAMES } from '../../src/report/index.js';
import { REPO, runCli } from '../helpers/cli.js';

/**
 * What users see, checked in: every output format of one review of our
 * sync-parameter thread, byte for byte. A change to any reporter (or to what the
 * stages feed it) shows up as a diff of these files in review. After an intended
 * change: `npx vitest run test/report/snapshots.test.ts -u`, then read the diff.
 */
const DIR = join(import.meta.dirname, 'snapshots');
// Relative to the repo, so no path of one machine ends up in a snapshot.
const INPUT = 'fixtures/cases/sync-param-thread.txt';

const EXTENSION: Record<string, string> = { annotations: 'txt', text: 'txt', markdown: 'md', reply: 'txt' };
const snapshotFile = (format: string): string => `sync-param-thread.${format}.${EXTENSION[format] ?? 'json'}`;

describe('one snapshot per output format', () => {
  it.each(FORMAT_NAMES)('%s', async (format) => {
    const run = await runCli(['review', '--format', format, '--fail-on', 'never', INPUT], { cwd: REPO });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    await expect(run.stdout).toMatchFileSnapshot(join(DIR, snapshotFile(format)));
  });

  it('holds exactly one file per format: none left over from a renamed or removed one', () => {
    expect(readdirSync(DIR).sort()).toEqual(FORMAT_NAMES.map(snapshotFile).sort());
  });
});
