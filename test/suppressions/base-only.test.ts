import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { baseSuppressionsOnly } from '../../src/suppressions/base-only.js';
import type { Finding, RunResult, Suppression } from '../../src/types.js';
import { fixture, runCli } from '../helpers/cli.js';

interface Out {
  findings: { ruleId: string; suppressed?: unknown }[];
}

/** A case with an FC001 finding, and the same patch adding a suppression comment above the flush. */
const dir = mkdtempSync(join(tmpdir(), 'flushcheck-supp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const patch = join(dir, 'self-suppressed.diff');
writeFileSync(
  patch,
  readFileSync(fixture('cases', 'alloc-filter-plain.diff'), 'utf8')
    .replace('@@ -1199,6 +1199,43 @@', '@@ -1199,6 +1199,44 @@')
    .replace('+            flush_tlb_mask(&mask);', '+            /* flushcheck: ignore FC001 -- the author says so */\n+            flush_tlb_mask(&mask);'),
);

const findings = async (...extra: string[]): Promise<Out['findings']> => {
  const run = await runCli(['review', '--format', 'json', '--fail-on', 'never', ...extra, patch]);
  expect(run.code).toBe(0);
  return (JSON.parse(run.stdout) as Out).findings;
};

describe('--suppressions base: a patch cannot silence its own findings', () => {
  it('by default obeys the suppression the patch adds', async () => {
    const all = await findings();
    expect(all.filter((f) => f.ruleId === 'FC001').every((f) => f.suppressed)).toBe(true);
    expect(all.some((f) => f.ruleId === 'FC001')).toBe(true);
  });

  it('with --suppressions base, the finding is active again and fails the job', async () => {
    const base = await findings('--suppressions', 'base');
    expect(base.some((f) => f.ruleId === 'FC001' && !f.suppressed)).toBe(true);
    const run = await runCli(['review', '--suppressions', 'base', '--fail-on', 'warning', patch]);
    expect(run.code).toBe(1);
  });

  it('keeps a suppression the base already had (a comment on an unchanged line)', () => {
    const suppression = (change: Suppression['change'], line: number): Suppression => ({
      patch: 0,
      file: 'a.c',
      side: 'new',
      line,
      endLine: line,
      change,
      function: null,
      rules: ['FC001'],
      reason: 'r',
      text: '',
    });
    const finding = (line: number): Finding =>
      ({
        ruleId: 'FC001',
        ruleName: 'x',
        messageId: 'm',
        data: {},
        message: 'm',
        severity: 'error',
        patch: 0,
        file: 'a.c',
        line: line + 1,
        side: 'new',
        function: null,
        related: [],
        fingerprint: String(line),
        suppressed: { reason: 'r', line },
      }) as Finding;
    const run = { findings: [finding(10), finding(20)], suppressions: [suppression('unchanged', 10), suppression('added', 20)] } as unknown as RunResult;
    const out = baseSuppressionsOnly(run).findings;
    expect(out.map((f) => Boolean(f.suppressed))).toEqual([true, false]);
  });
});
