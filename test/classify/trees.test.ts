import { describe, expect, it } from 'vitest';
import type { Evidence, RunResult, Site } from '../../src/types.js';
import { fixture, runCli } from '../helpers/cli.js';

const tree = (name: string): string => fixture('trees', 'classify', name);

async function scan(name: string, extra: string[] = []): Promise<RunResult> {
  const out = await runCli(['scan', tree(name), '--format', 'json', ...extra]);
  expect(out.stderr).toBe('');
  return JSON.parse(out.stdout) as RunResult;
}

const siteAt = (run: RunResult, file: string, line: number, api?: string): Site => {
  const found = run.sites.find((s) => s.file === file && s.line === line && (api === undefined || s.api === api) && s.kind !== 'definition');
  if (!found) throw new Error(`no site at ${file}:${line}`);
  return found;
};
const chainOf = (e: Evidence): string[] => e.steps.map((s) => `${s.file}:${s.line} ${s.function}`);

describe('wrapper chains three deep across files', () => {
  it('the flush three wrappers below an allocator is an allocation flush, with the arguments that reach it', async () => {
    const run = await scan('wrapper-chain');
    const forced = siteAt(run, 'arch/x86/flush-mask.c', 13);
    expect(forced.classes).toEqual(['page-type-change', 'allocation']);
    const allocation = forced.evidence!.find((e) => e.class === 'allocation')!;
    expect(chainOf(allocation)).toEqual([
      'common/grab.c:16 grab_pages',
      'common/grab.c:19 grab_pages',
      'common/flush-pages.c:6 pages_flush_filtered',
      'common/flush-stamp.c:10 stamp_flush',
      'arch/x86/flush-mask.c:13 mask_flush',
    ]);
    expect(allocation.args).toEqual({ mask: '&mask', sync: 'true' });
    const pageType = forced.evidence!.find((e) => e.class === 'page-type-change')!;
    expect(pageType.conditions).toEqual(['(x & PGT_type_mask) && (x & PGT_type_mask) <= PGT_root_page_table']);
    expect(pageType.args).toEqual({ mask: 'mask', sync: 'true' });
  });

  it('the unforced branch is reached only when the old type was not a page table, and by a grant-style unmap', async () => {
    const run = await scan('wrapper-chain');
    const plain = siteAt(run, 'arch/x86/flush-mask.c', 15);
    expect(plain.classes).toEqual(['other']);
    expect(plain.evidence).toHaveLength(1);
    expect(plain.evidence![0]!.conditions).toEqual(['!((x & PGT_type_mask) && (x & PGT_type_mask) <= PGT_root_page_table)']);
    expect(plain.evidence![0]!.args).toEqual({ mask: 'mask', sync: 'false' });
  });

  it('the same with the main thread alone, byte for byte', async () => {
    const threads = await runCli(['scan', tree('wrapper-chain'), '--format', 'json']);
    const alone = await runCli(['scan', tree('wrapper-chain'), '--format', 'json', '--jobs', '0']);
    expect(alone.stdout).toBe(threads.stdout);
  });

  it('review --tree: a patch to the last link is classified through the links it does not touch', async () => {
    const out = await runCli(['review', '--tree', tree('wrapper-chain'), tree('wrapper-chain.patch'), '--format', 'json']);
    const run = JSON.parse(out.stdout) as RunResult;
    const added = siteAt(run, 'arch/x86/flush-mask.c', 13, 'flush_mask');
    expect(added.change).toBe('added');
    expect(added.classes).toEqual(['page-type-change', 'allocation']);
    expect(chainOf(added.evidence!.find((e) => e.class === 'allocation')!)[0]).toBe('common/grab.c:16 grab_pages');
  });

  it('without the tree the hunk alone reaches no root', async () => {
    const out = await runCli(['review', tree('wrapper-chain.patch'), '--format', 'json']);
    const run = JSON.parse(out.stdout) as RunResult;
    expect(siteAt(run, 'arch/x86/flush-mask.c', 13, 'flush_mask').classes).toEqual(['other']);
  });
});

describe('MEMF_no_tlbflush owners: the flush on every path out', () => {
  it('reports the owners whose error path skips the flush, with the path', async () => {
    const out = await runCli(['scan', tree('obligations'), '--format', 'json']);
    expect(out.code).toBe(1);
    const run = JSON.parse(out.stdout) as RunResult;
    // The fixture's helper always takes the plain flush: FC001 there is right (the 2020 bug).
    expect(run.findings.map((f) => `${f.ruleId} ${f.file}:${f.line} ${f.function}`)).toEqual([
      'FC003 common/fill-early-return.c:14 fill_extents',
      'FC003 common/fill-switch.c:11 fill_kind',
      'FC001 include/xen/flush.h:14 filtered_flush_tlb_mask',
    ]);
    const [early] = run.findings;
    expect(early!.related.map((s) => s.line)).toEqual([14, 17, 11, 11, 14, 15, 16]);
    expect(early!.related.at(-1)!.message).toBe('returns without flushing: return -ENOMEM;');
  });

  it('is silent on owners that flush on every path (goto out, a helper of their own)', async () => {
    const result = await scan('obligations');
    const safe = siteAt(result, 'common/fill-goto-out.c', 14, 'MEMF_no_tlbflush');
    expect(safe.obligation).toEqual({ owner: 'fill_extents_safely', flushedAt: [{ file: 'common/fill-goto-out.c', line: 45, function: 'fill_extents_safely' }] });
    const viaHelper = siteAt(result, 'common/fill-helper.c', 18, 'MEMF_no_tlbflush');
    expect(viaHelper.obligation?.missingPath).toBeUndefined();
    expect(viaHelper.obligation?.flushedAt.map((l) => l.line)).toEqual([24]);
    // The helper's flush is the owner's deferred flush.
    expect(siteAt(result, 'common/fill-helper.c', 7).classes).toEqual(['deferred-allocation-flush']);
  });

  it('review --tree: a patch that adds an early return is checked even though no hunk touches the allocation', async () => {
    const out = await runCli(['review', '--tree', tree('obligations'), tree('obligations-early-return.patch'), '--format', 'json']);
    expect(out.code).toBe(1);
    const run = JSON.parse(out.stdout) as RunResult;
    const setter = run.sites.find((s) => s.side === 'new' && s.api === 'MEMF_no_tlbflush' && s.line === 14)!;
    expect(setter.change).toBe('tree');
    expect(run.findings.map((f) => `${f.ruleId} ${f.file}:${f.line}`)).toEqual(['FC003 common/fill-goto-out.c:14']);
    expect(run.findings[0]!.related.at(-1)).toMatchObject({ line: 36, message: 'returns without flushing: return -EINVAL;' });
    // Before the patch every path paid.
    const before = run.sites.find((s) => s.side === 'old' && s.api === 'MEMF_no_tlbflush' && s.line === 14)!;
    expect(before.obligation?.missingPath).toBeUndefined();
  });

  it('the annotations in the fixture agree with the findings', async () => {
    const out = await runCli(['scan', tree('obligations'), '--format', 'json']);
    const run = JSON.parse(out.stdout) as RunResult;
    const { readFileSync, readdirSync } = await import('node:fs');
    const expected: string[] = [];
    for (const name of readdirSync(`${tree('obligations')}/common`).sort()) {
      const lines = readFileSync(`${tree('obligations')}/common/${name}`, 'utf8').split('\n');
      lines.forEach((l, i) => {
        if (l.includes('/* ruleid: FC003 */')) expected.push(`common/${name}:${i + 2}`);
      });
    }
    expect(run.findings.filter((f) => f.ruleId === 'FC003').map((f) => `${f.file}:${f.line}`)).toEqual(expected);
  });
});

describe('call-graph cycles', () => {
  it("terminates, and the flush inside the cycle is the allocators' flush", async () => {
    const run = await scan('cycles');
    const s = siteAt(run, 'common/flush-retry.c', 13);
    expect(s.classes).toEqual(['allocation']);
    expect(s.evidence!.map((e) => e.steps[0]!.function)).toEqual(['take_pages', 'take_pages_again']);
    expect(s.evidence!.map((e) => e.args)).toEqual([
      { mask: '&mask', tries: '3' },
      { mask: '&cpu_online_map', tries: '1' },
    ]);
  });
});

describe('functions defined through macros', () => {
  it("a generated function and a function-like macro pass the allocator's class and arguments on", async () => {
    const run = await scan('macros');
    const forced = siteAt(run, 'include/xen/pool-flush.h', 10);
    expect(forced.classes).toEqual(['allocation']);
    expect(forced.evidence!.map(chainOf)).toEqual([
      ['common/pool.c:15 take_pool_pages', 'common/pool.c:20 take_pool_pages', 'common/pool.c:5 heap_pool_flush', 'include/xen/pool-flush.h:10 pool_flush_mask'],
      ['common/pool.c:32 take_pool_page', 'common/pool.c:34 take_pool_page', 'include/xen/pool-flush.h:16 pool_flush_for_alloc', 'include/xen/pool-flush.h:10 pool_flush_mask'],
    ]);
    expect(forced.evidence!.map((e) => e.args?.sync)).toEqual(['true', 'true']);
    // grant_pool_flush passes false, but no root reaches it.
    expect(siteAt(run, 'include/xen/pool-flush.h', 12).classes).toEqual(['other']);
  });
});

describe('flushcheck scan, the command', () => {
  it('a missing directory or a file: one line, exit 2', async () => {
    const missing = await runCli(['scan', tree('no-such-tree')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    const file = await runCli(['scan', tree('wrapper-chain.patch')]);
    expect(file.code).toBe(2);
    expect(file.stderr).toMatch(/is not a directory/);
  });

  it('a progress bar only when standard error, where it draws, is a terminal', async () => {
    const piped = await runCli(['scan', tree('cycles')]);
    expect(piped.stderr).toBe('');
    const terminal = await runCli(['scan', tree('cycles')], { stderrIsTTY: true });
    expect(terminal.stderr).toMatch(/scanning/);
    // A terminal on standard output with standard error piped to a log: no bar in the log.
    const logged = await runCli(['scan', tree('cycles')], { isTTY: true });
    expect(logged.stderr).toBe('');
    const quiet = await runCli(['scan', tree('cycles'), '--no-progress'], { stderrIsTTY: true });
    expect(quiet.stderr).toBe('');
  });

  it('text output names the pseudo patch and the classes', async () => {
    const out = await runCli(['scan', tree('cycles'), '--fail-on', 'never']);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/whole-tree scan of/);
    expect(out.stdout).toMatch(/flush_tlb_mask\(mask\)\s+<allocation>/);
  });
});

describe('one call graph per port', () => {
  it("Arm's guests_flush inherits common code's allocation chain but never x86's page-type change of the same name", async () => {
    const run = await scan('ports');
    const arm = siteAt(run, 'arch/arm/guests-flush.c', 6);
    expect(arm.classes).toEqual(['allocation']);
    expect(arm.evidence!.flatMap((e) => e.steps.map((s) => s.file)).some((f) => f.startsWith('arch/x86/'))).toBe(false);
    expect(chainOf(arm.evidence![0]!)[0]).toBe('common/reuse.c:16 reuse_pages');
  });

  it("x86's guests_flush keeps its own page-type change and common code's allocation", async () => {
    const run = await scan('ports');
    const x86 = siteAt(run, 'arch/x86/guests-flush.c', 6);
    expect(x86.classes).toEqual(['page-type-change', 'allocation']);
    expect(chainOf(x86.evidence!.find((e) => e.class === 'page-type-change')!)[0]).toBe('arch/x86/retype.c:9 retype_page');
    expect(x86.evidence!.flatMap((e) => e.steps.map((s) => s.file)).some((f) => f.startsWith('arch/arm/'))).toBe(false);
  });
});
