import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/types.js';
import { fixture, runCli } from '../helpers/cli.js';

const tree = fixture('trees', 'classify', 'wrapper-chain');
const patch = fixture('trees', 'classify', 'wrapper-chain.patch');
const work = mkdtempSync(join(tmpdir(), 'flushcheck-one-run-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('one assembly for review, scan and explain', () => {
  it('a scan in the same process leaves the next review byte for byte as it was', async () => {
    const alone = await runCli(['review', '--tree', tree, patch, '--format', 'json']);
    expect(alone.stderr).toBe('');
    const scanned = await runCli(['scan', tree, '--format', 'json', '--jobs', '0']);
    expect(scanned.stderr).toBe('');
    const after = await runCli(['review', '--tree', tree, patch, '--format', 'json']);
    expect(after.stdout).toBe(alone.stdout);
    expect(after.code).toBe(alone.code);
  });

  it('nothing a scan learnt of a tree outlives it: a review after the tree changed sees the change', async () => {
    const scanned = join(work, 'scanned');
    const fresh = join(work, 'fresh');
    cpSync(tree, scanned, { recursive: true });
    await runCli(['scan', scanned, '--format', 'json', '--jobs', '0']);
    // The allocation root goes away after the scan.
    rmSync(join(scanned, 'common', 'grab.c'));
    cpSync(scanned, fresh, { recursive: true });
    const after = await runCli(['review', '--tree', scanned, patch, '--format', 'json']);
    const alone = await runCli(['review', '--tree', fresh, patch, '--format', 'json']);
    expect(after.stdout.replaceAll(scanned, 'TREE')).toBe(alone.stdout.replaceAll(fresh, 'TREE'));
    const site = (JSON.parse(after.stdout) as RunResult).sites.find((s) => s.file === 'arch/x86/flush-mask.c' && s.line === 13 && s.side === 'new')!;
    expect(site.classes).not.toContain('allocation');
  });

  it('scan honours the configuration file: rules, and says which file in settings', async () => {
    const config = join(work, 'scan-config.json');
    writeFileSync(config, JSON.stringify({ rules: { 'missing-forced-ipi': 'off' } }));
    const plain = JSON.parse((await runCli(['scan', fixture('trees', 'classify', 'obligations'), '--format', 'json', '--jobs', '0'])).stdout) as RunResult;
    expect(plain.findings.some((f) => f.ruleId === 'FC001')).toBe(true);
    const out = await runCli(['scan', fixture('trees', 'classify', 'obligations'), '--format', 'json', '--jobs', '0', '--config-file', config]);
    const run = JSON.parse(out.stdout) as RunResult;
    expect(run.settings.configFile).toBe(config);
    expect(run.settings.rules).toEqual({ FC001: 'off' });
    expect(run.findings.some((f) => f.ruleId === 'FC001')).toBe(false);
    expect(run.findings.length).toBe(plain.findings.filter((f) => f.ruleId !== 'FC001').length);
  });

  it("scan honours --baseline: a second scan against the first one's report finds nothing new", async () => {
    const first = await runCli(['scan', fixture('trees', 'classify', 'obligations'), '--format', 'json', '--jobs', '0']);
    const baseline = join(work, 'baseline.json');
    writeFileSync(baseline, first.stdout);
    expect((JSON.parse(first.stdout) as RunResult).findings.length).toBeGreaterThan(0);
    const second = await runCli(['scan', fixture('trees', 'classify', 'obligations'), '--format', 'json', '--jobs', '0', '--baseline', baseline]);
    const run = JSON.parse(second.stdout) as RunResult;
    expect(run.findings).toEqual([]);
    expect(run.settings.baseline).toEqual({ file: baseline, known: (JSON.parse(first.stdout) as RunResult).findings.length });
    expect(second.code).toBe(0);
  });

  it('explain honours the configuration file: its build, as if typed with --config', async () => {
    const config = join(work, 'explain-config.json');
    writeFileSync(config, JSON.stringify({ build: { CONFIG_PV: false, CONFIG_SHADOW_PAGING: false } }));
    const site = 'arch/x86/flush-mask.c:13';
    const fromFile = await runCli(['explain', site, patch, '--tree', tree, '--config-file', config]);
    const typed = await runCli(['explain', site, patch, '--tree', tree, '--config', 'CONFIG_PV=n,CONFIG_SHADOW_PAGING=n']);
    const plain = await runCli(['explain', site, patch, '--tree', tree]);
    expect(fromFile.stderr).toBe('');
    expect(fromFile.stdout).toBe(typed.stdout);
    expect(fromFile.stdout).not.toBe(plain.stdout);
    const bad = await runCli(['explain', site, patch, '--config-file', join(work, 'absent.json')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/absent\.json: no such file/);
  });
});
