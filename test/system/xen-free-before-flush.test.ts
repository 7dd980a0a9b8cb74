import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/types.js';
import { runCli } from '../helpers/cli.js';
import { xenTree } from '../helpers/xen.js';

// FC009 against the real Xen 4.17 sources (scripts/fetch-xen.sh): patches are made at test time, never stored.

/** A diff that deletes the first `line` after the first line containing `after` (and, if given, re-adds it before `before`). */
function movePatch(path: string, after: string, line: string, reAddBefore?: string): string {
  const lines = readFileSync(join(xenTree(), path), 'utf8').split('\n');
  const anchor = lines.findIndex((l) => l.includes(after));
  const at = lines.indexOf(line, anchor);
  expect(anchor).toBeGreaterThan(0);
  expect(at).toBeGreaterThan(anchor);
  const end = reAddBefore ? lines.indexOf(reAddBefore, at) : at;
  expect(end).toBeGreaterThanOrEqual(at);
  const start = at - 3;
  const body: string[] = [];
  for (let i = start; i <= end + 3; i++) {
    if (i === at) body.push(`-${lines[i]}`);
    else {
      if (reAddBefore && i === end) body.push(`+${line}`);
      body.push(` ${lines[i]}`);
    }
  }
  const oldCount = end + 3 - start + 1;
  const newCount = oldCount - 1 + (reAddBefore ? 1 : 0);
  return `--- a/${path}\n+++ b/${path}\n@@ -${start + 1},${oldCount} +${start + 1},${newCount} @@\n${body.join('\n')}\n`;
}

async function run(args: string[], patch?: string): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'flushcheck-free-'));
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

const fc009 = (r: RunResult): string[] => r.findings.filter((f) => f.ruleId === 'FC009').map((f) => `${f.severity} ${f.file} ${f.function} ${f.data.api}`);

describe('FC009 over Xen 4.17', () => {
  it('Arm: dropping the sync before the intermediate table goes back to the p2m pool is an error, at the free', async () => {
    const r = await run(['review', '--tree', xenTree()], movePatch('xen/arch/arm/p2m.c', 'Should we defer the free of the page table', '    p2m_tlb_flush_sync(p2m);'));
    expect(fc009(r)).toEqual(['error xen/arch/arm/p2m.c p2m_free_entry p2m_free_page']);
    expect(r.findings.find((f) => f.ruleId === 'FC009')!.messageId).toBe('deferred');
  }, 240_000);

  it('Arm: the same sync moved below the page lookup, still before the free, is silent', async () => {
    const r = await run(
      ['review', '--tree', xenTree()],
      movePatch('xen/arch/arm/p2m.c', 'Should we defer the free of the page table', '    p2m_tlb_flush_sync(p2m);', '    page_list_del(pg, &p2m->pages);'),
    );
    expect(fc009(r)).toEqual([]);
  }, 240_000);

  it('x86 PoD: the sync dropped before the reclaimed pages go back to the PoD cache (handed to the guest again) is an error', async () => {
    const r = await run(['review', '--tree', xenTree()], movePatch('xen/arch/x86/mm/p2m-pod.c', "This shouldn't be able to fail", '            p2m_tlb_flush_sync(p2m);'));
    expect(fc009(r)).toEqual(['error xen/arch/x86/mm/p2m-pod.c decrease_reservation p2m_pod_cache_add']);
  }, 240_000);
});
