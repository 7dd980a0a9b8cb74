import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyBaseline, parseBaseline } from '../src/baseline.js';
import { fixture, readFixture, runCli } from './helpers/cli.js';
import { sampleRun } from './report/fixture-run.js';

const STALE = fixture('suppressions', 'stale.patch');

describe('--baseline', () => {
  it('drops findings an earlier report had, counting repeats', () => {
    const run = sampleRun();
    const one = run.findings[0]!;
    run.findings = [one, { ...one, line: one.line + 3 }];
    const after = applyBaseline(run, [one.fingerprint], 'old.json');
    expect(after.findings.map((f) => f.line)).toEqual([one.line + 3]);
    expect(after.settings.baseline).toEqual({ file: 'old.json', known: 1 });
    expect(applyBaseline(run, [one.fingerprint, one.fingerprint], 'old.json').findings).toEqual([]);
    expect(applyBaseline(run, ['0'.repeat(32)], 'old.json').findings).toHaveLength(2);
  });

  it('rejects what is not a flushcheck JSON report', () => {
    expect(parseBaseline('{"schemaVersion": 1, "findings": [{"fingerprint": "ab"}]}')).toEqual({ ok: true, fingerprints: ['ab'] });
    expect(parseBaseline('[]')).toEqual({ ok: false, message: 'not a flushcheck JSON report (run review --format json to make one)' });
    expect(parseBaseline('{"schemaVersion": 1, "findings": [{}]}')).toEqual({ ok: false, message: 'findings[0] has no fingerprint' });
    expect(parseBaseline('nope')).toMatchObject({ ok: false });
  });

  it('through the CLI: the same patch against its own report gives nothing; a new problem still shows', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flushcheck-baseline-'));
    const first = await runCli(['review', '--format', 'json', STALE]);
    expect(JSON.parse(first.stdout).findings.length).toBe(5);
    writeFileSync(join(dir, 'base.json'), first.stdout);
    const again = await runCli(['review', '--format', 'json', '--fail-on', 'warning', '--baseline', join(dir, 'base.json'), STALE]);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).findings).toEqual([]);
    expect(JSON.parse(again.stdout).settings.baseline).toEqual({ file: join(dir, 'base.json'), known: 5 });
    // v2 of the patch: lines moved by an added line above, and one more bad suppression.
    const v2 = readFixture('suppressions', 'stale.patch')
      .replace('     grant_write_lock(gt);', '+    /* flushcheck: ignore FC099 -- no such rule */\n     grant_write_lock(gt);')
      .replace('@@ -410,7 +410,11 @@', '@@ -410,7 +410,12 @@');
    writeFileSync(join(dir, 'v2.patch'), v2);
    const next = await runCli(['review', '--format', 'json', '--fail-on', 'warning', '--baseline', join(dir, 'base.json'), join(dir, 'v2.patch')]);
    expect(next.code).toBe(1);
    expect(JSON.parse(next.stdout).findings.map((f: { messageId: string; line: number }) => `${f.messageId} ${f.line}`)).toEqual(['unknownRule 412']);
  });

  it('a missing or broken baseline is one line and exit 2', async () => {
    const cli = await runCli(['review', '--baseline', '/nonexistent/base.json', STALE]);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toBe('flushcheck: --baseline /nonexistent/base.json: no such file\n');
  });
});
