import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixture, REPO, runCli } from '../helpers/cli.js';

// bin/flushcheck.js ends the process itself once its output is handed on (see exitWhenFlushed there).
const dir = mkdtempSync(join(tmpdir(), 'flushcheck-bin-exit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A patch of ours with `n` flush hunks: its JSON report is far larger than a pipe's buffer. */
function flushHunks(n: number): string {
  const file = join(dir, 'many.diff');
  const hunks = Array.from(
    { length: n },
    (_, i) =>
      `@@ -${i * 10 + 1},3 +${i * 10 + 1},3 @@ static void flush_fn_${i}(struct domain *d)\n     spin_lock(&d->lock);\n-    flush_tlb_mask(d->dirty_cpumask);\n+    flush_mask(d->dirty_cpumask, FLUSH_TLB | FLUSH_NO_ASSIST);\n     spin_unlock(&d->lock);`,
  );
  writeFileSync(file, ['diff --git a/xen/arch/x86/many.c b/xen/arch/x86/many.c', '--- a/xen/arch/x86/many.c', '+++ b/xen/arch/x86/many.c', ...hunks, ''].join('\n'));
  return file;
}

/** Runs the installed entry point with a reader that waits before it reads anything. */
function runSlowlyRead(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(REPO, 'bin', 'flushcheck.js'), ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.pause();
    setTimeout(() => child.stdout.on('data', (d: Buffer) => out.push(d)).resume(), 500);
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr }));
  });
}

/** Runs the installed entry point, read as it writes. */
function runEntry(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(REPO, 'bin', 'flushcheck.js'), ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  });
}

describe('the entry point', () => {
  it('exits with the run’s code once its whole report is read, however slowly', async () => {
    const run = await runSlowlyRead(['review', '--format', 'json', flushHunks(300)]);
    expect(run.stderr).toBe('');
    expect(run.stdout.length).toBeGreaterThan(1 << 20);
    const report = JSON.parse(run.stdout) as { sites: unknown[]; findings: { severity: string }[] };
    expect(report.sites).toHaveLength(600);
    expect(run.code).toBe(report.findings.some((f) => f.severity === 'error') ? 1 : 0);
  }, 120_000);

  it('reviews against a tree as the CLI does in process (the tree read it starts before loading the CLI included)', async () => {
    const args = ['review', '--format', 'json', '--tree', fixture('cases', 'same-file-helper.tree'), fixture('cases', 'same-file-helper.diff')];
    const entry = await runEntry(args);
    const inProcess = await runCli(args);
    expect(entry.stderr).toBe(inProcess.stderr);
    expect(entry.code).toBe(inProcess.code);
    expect(JSON.parse(entry.stdout).sites.length).toBeGreaterThan(0);
    expect(entry.stdout).toBe(inProcess.stdout);
  }, 60_000);
});
