import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/types.js';
import { deferredFlushOnEveryPath as rule } from '../../src/rules/deferred-flush-on-every-path.js';
import { RULES } from '../../src/rules/index.js';
import { runCli } from '../helpers/cli.js';

/** Scans one C file holding `code` and returns FC003's findings. */
async function findings(code: string): Promise<RunResult['findings']> {
  const dir = mkdtempSync(join(tmpdir(), 'flushcheck-fc003-'));
  try {
    writeFileSync(join(dir, 'example.c'), code);
    const out = await runCli(['scan', dir, '--format', 'json', '--jobs', '0', '--fail-on', 'never']);
    expect(out.stderr).toBe('');
    return (JSON.parse(out.stdout) as RunResult).findings.filter((f) => f.ruleId === rule.meta.id);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('FC003 deferred-flush-on-every-path', () => {
  it('is registered, with complete docs', () => {
    expect(RULES).toContain(rule);
    expect(rule.meta).toMatchObject({ id: 'FC003', name: 'deferred-flush-on-every-path', severity: 'error' });
    for (const key of ['summary', 'x86', 'arm', 'bad', 'good'] as const) expect(rule.meta.docs[key].length).toBeGreaterThan(40);
  });

  it('the bad example gives exactly one finding, on the allocation, with the path that skips the flush', async () => {
    const found = await findings(rule.meta.docs.bad);
    expect(found).toHaveLength(1);
    const [f] = found;
    const allocationLine = rule.meta.docs.bad.split('\n').findIndex((l) => l.includes('MEMF_no_tlbflush')) + 1;
    expect(f).toMatchObject({ line: allocationLine, function: 'fill_extents', severity: 'error', messageId: 'pathSkipsFlush' });
    expect(f!.message).toMatch(/^fill_extents allocates with MEMF_no_tlbflush .* \(returns without flushing: return -ENOMEM; at line \d+\)$/);
    expect(f!.related.at(-1)!.message).toBe('returns without flushing: return -ENOMEM;');
  });

  it('the good example gives none', async () => {
    expect(await findings(rule.meta.docs.good)).toEqual([]);
  });
});
