import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { SAMPLE } from '../helpers/cli.js';
import { fixtureBytes } from './corpus.js';
import { cLine, mbox, mutate, mutation, unifiedDiff } from './arbitraries.js';

/**
 * Properties of the CLI on hostile input: it never throws past its error
 * handler, exits 0, 1 or 2, prints valid JSON with --format json, and gives
 * the same bytes for the same input. FUZZ_RUNS sets cases per property: the
 * default is the fast CI profile; `npm run fuzz` runs the long one.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 250);
const SEED_FC = Number(process.env.FUZZ_SEED ?? 20261124);

async function review(stdin: Buffer, format: 'json' | 'text' = 'json'): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['review', '--format', format, '--fail-on', 'note'], {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    readStdin: () => stdin,
    isTTY: false,
    env: {},
    cwd: '/nonexistent',
  });
  return { code, stdout, stderr };
}

async function holds(input: Buffer): Promise<void> {
  const a = await review(input);
  expect([0, 1, 2]).toContain(a.code);
  expect(a.stderr).not.toMatch(/internal error|\n\s+at /);
  const parsed = JSON.parse(a.stdout) as { errors: unknown[] };
  expect(Array.isArray(parsed.errors)).toBe(true);
  if (a.code === 2) expect(a.stderr.trim().split('\n').length).toBeGreaterThanOrEqual(1);
  const b = await review(input);
  expect(b.stdout).toBe(a.stdout);
  expect(b.code).toBe(a.code);
}

const params = { numRuns: RUNS, seed: SEED_FC, endOnFailure: true };
const timeout = Math.max(60_000, RUNS * 400);

describe('CLI properties on hostile input', () => {
  const seed = readFileSync(SAMPLE);
  const corpus = [seed, ...fixtureBytes()];

  it('mutated real inputs', { timeout }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: corpus.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }), async (which, mutations) => {
        let input = corpus[which]!;
        for (const m of mutations) input = mutate(input, m);
        await holds(input);
      }),
      params,
    );
  });

  it('generated unified diffs', { timeout }, async () => {
    await fc.assert(
      fc.asyncProperty(unifiedDiff, async (text) => holds(Buffer.from(text))),
      params,
    );
  });

  it('generated mboxes with replies and encodings', { timeout }, async () => {
    await fc.assert(
      fc.asyncProperty(mbox, async (text) => holds(Buffer.from(text))),
      params,
    );
  });

  it('random bytes and C fragments', { timeout }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 2048 }).map((b) => Buffer.from(b)),
          fc.array(cLine, { maxLength: 40 }).map((ls) => Buffer.from(ls.join('\n'))),
        ),
        async (input) => holds(input),
      ),
      params,
    );
  });
});
