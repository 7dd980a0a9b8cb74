import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/types.js';
import { runCli } from '../helpers/cli.js';
import { xenTree } from '../helpers/xen.js';

// FC008 against the real Xen 4.17 sources (scripts/fetch-xen.sh): patches are made at test time, never stored.

/** A one-line change to a file of the Xen tree, as a unified diff. */
function oneLinePatch(path: string, from: string, to: string): string {
  const lines = readFileSync(join(xenTree(), path), 'utf8').split('\n');
  const at = lines.indexOf(from);
  expect(at).toBeGreaterThan(3);
  const before = lines.slice(at - 3, at).map((l) => ` ${l}`);
  const after = lines.slice(at + 1, at + 4).map((l) => ` ${l}`);
  return `--- a/${path}\n+++ b/${path}\n@@ -${at - 2},7 +${at - 2},7 @@\n${[...before, `-${from}`, `+${to}`, ...after].join('\n')}\n`;
}

async function run(args: string[], patch?: string): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'flushcheck-irq-'));
  try {
    const inputs = patch ? [join(dir, 'change.patch')] : [];
    if (patch) writeFileSync(inputs[0]!, patch);
    const out = await runCli([...args, ...inputs, '--format', 'json', '--fail-on', 'never']);
    expect(out.stderr).toBe('');
    return JSON.parse(out.stdout) as RunResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const fc008 = (r: RunResult): string[] => r.findings.filter((f) => f.ruleId === 'FC008').map((f) => `${f.severity} ${f.arch} ${f.file} ${f.function}`);

describe('FC008 over Xen 4.17', () => {
  it('the whole-tree scan has no flush of other CPUs with interrupts off', async () => {
    const scan = await run(['scan', join(xenTree(), 'xen')]);
    expect(fc008(scan)).toEqual([]);
    expect(scan.sites.filter((s) => s.irqOff)).toEqual([]);
  });

  it('a flush added inside tasklet_kill()’s spin_lock_irqsave region is an error on x86 (the whole function read from the tree)', async () => {
    const r = await run(['review', '--tree', xenTree()], oneLinePatch('xen/common/tasklet.c', '    t->is_dead = 1;', '    t->is_dead = 1; flush_tlb_mask(&cpu_online_map);'));
    expect(fc008(r)).toEqual(['error x86 xen/common/tasklet.c tasklet_kill']);
    const finding = r.findings.find((f) => f.ruleId === 'FC008')!;
    expect(finding.related[0]!.message).toBe('interrupts go off: spin_lock_irqsave(&tasklet_lock, flags)');
    expect(finding.trace?.length).toBeGreaterThan(0);
  }, 240_000);

  it('the same flush where tasklet_kill() has dropped the lock (its wait loop) is silent', async () => {
    const r = await run(['review', '--tree', xenTree()], oneLinePatch('xen/common/tasklet.c', '        cpu_relax();', '        flush_tlb_mask(&cpu_online_map);'));
    expect(r.sites.some((s) => s.api === 'flush_tlb_mask' && s.change === 'added')).toBe(true);
    expect(fc008(r)).toEqual([]);
  }, 240_000);
});
