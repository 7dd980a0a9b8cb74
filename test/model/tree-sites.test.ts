import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Mechanism, RunResult } from '../../src/types.js';
import { affectedNames } from '../../src/model/tree-sites.js';
import { definitionsFrom } from '../../src/model/database.js';
import { parseTreeFile } from '../../src/model/tree-headers.js';
import { fixture, runCli } from '../helpers/cli.js';

const TREE = fixture('model', 'mini-tree');

async function treeSitesOf(patch: string, extra: string[] = []): Promise<[string, string, Mechanism | undefined, Mechanism | undefined][]> {
  const run = await runCli(['review', fixture('model', patch), '--tree', TREE, '--format', 'json', ...extra]);
  expect(run.stderr).toBe('');
  const result = JSON.parse(run.stdout) as RunResult;
  return result.sites
    .filter((s) => s.change === 'tree')
    .map((s) => {
      expect(s.kind).toBe('call');
      expect(s.side).toBe('new');
      return [`${s.file}:${s.line}`, `${s.function}:${s.api}`, s.arch?.x86?.previous?.mechanism, s.arch?.x86?.mechanism];
    });
}

describe('calls a definition change alters (change: tree)', () => {
  it('a macro that now forces: its untouched callers go from assisted to forced', async () => {
    expect(await treeSitesOf('flush-tlb-mask-no-assist.patch')).toEqual([['xen/arch/x86/p2m-mini.c:6', 'p2m_mini_sync:flush_tlb_mask', 'assisted-possible', 'forced-ipi']]);
  });

  it('a flag value: every call passing it, directly or through helpers', async () => {
    expect(await treeSitesOf('no-assist-zero.patch')).toEqual([
      ['xen/common/alloc-mini.c:12', 'alloc_mini:filtered_flush_tlb_mask', 'forced-ipi', 'assisted-possible'],
      ['xen/common/alloc-mini.c:19', 'grant_mini_unmap:arch_flush_tlb_mask', 'forced-ipi', 'assisted-possible'],
      ['xen/include/xen/mm.h:14', 'filtered_flush_tlb_mask:arch_flush_tlb_mask', 'forced-ipi', 'assisted-possible'],
    ]);
  });

  it('the body of flush_area_mask: without its assisted path every flush is an IPI', async () => {
    expect(await treeSitesOf('drop-assisted-path.patch')).toEqual([
      ['xen/arch/x86/p2m-mini.c:6', 'p2m_mini_sync:flush_tlb_mask', 'assisted-possible', 'ipi'],
      ['xen/common/alloc-mini.c:12', 'alloc_mini:filtered_flush_tlb_mask', 'forced-ipi', 'ipi'],
      ['xen/common/alloc-mini.c:19', 'grant_mini_unmap:arch_flush_tlb_mask', 'forced-ipi', 'ipi'],
      ['xen/include/xen/mm.h:14', 'filtered_flush_tlb_mask:arch_flush_tlb_mask', 'forced-ipi', 'ipi'],
    ]);
  });

  it('maps lines of a file the patch also touches, and skips calls its hunks already show', async () => {
    expect(await treeSitesOf('flush-tlb-mask-shifted.patch')).toEqual([['xen/arch/x86/p2m-mini.c:9', 'p2m_mini_sync:flush_tlb_mask', 'assisted-possible', 'forced-ipi']]);
  });

  it('carries the whole previous model, and leaves ports the change does not reach alone', async () => {
    const run = JSON.parse((await runCli(['review', fixture('model', 'no-assist-zero.patch'), '--tree', TREE, '--format', 'json'])).stdout) as RunResult;
    const site = run.sites.find((s) => s.change === 'tree' && s.api === 'arch_flush_tlb_mask' && s.file === 'xen/common/alloc-mini.c')!;
    expect(site.arch?.x86?.previous?.source).toBe('xen/arch/x86/include/asm/flushtlb.h:30');
    expect(site.arch?.x86?.previous?.expansion?.length).toBeGreaterThan(0);
    expect(site.arch?.arm?.mechanism).toBe('broadcast');
    expect(site.arch?.arm?.previous?.mechanism).toBe('broadcast');
  });

  it('not when the tree is not the patch’s base (its lines would not map)', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'flushcheck-tree-'));
    cpSync(TREE, copy, { recursive: true });
    const header = join(copy, 'xen/arch/x86/include/asm/flushtlb.h');
    writeFileSync(header, readFileSync(header, 'utf8').replace('/* Keep the flush off the assisted path. */', '/* Changed since. */'));
    const run = JSON.parse((await runCli(['review', fixture('model', 'no-assist-zero.patch'), '--tree', copy, '--format', 'json'])).stdout) as RunResult;
    expect(run.sites.filter((s) => s.change === 'tree')).toEqual([]);
  });

  it('only with a tree to search', async () => {
    const run = JSON.parse((await runCli(['review', fixture('model', 'no-assist-zero.patch'), '--format', 'json'])).stdout) as RunResult;
    expect(run.sites.filter((s) => s.change === 'tree')).toEqual([]);
  });

  it('follows references to a fixpoint', () => {
    const defs = definitionsFrom(
      [
        parseTreeFile(
          'xen/arch/x86/include/asm/flushtlb.h',
          '#define A 1\n#define B (A | 2)\n#define flush_b(m) flush_mask(m, B)\n#define flush_c(m) flush_b(m)\n#define flush_d(m) flush_mask(m, 4)\n',
        ),
      ],
      { kind: 'tree' },
    );
    expect([...affectedNames(defs, new Set(['A']))].sort()).toEqual(['A', 'B', 'flush_b', 'flush_c']);
  });

  it('finds functions through their text first: a later name, a substring that is not a reference, a definition met before its callee', () => {
    const text = [
      'static void k(void) { g(); }',
      'static void h(void) { f_other(); }',
      'static void g(void) { if ( x ) f(); }',
      'static void f_other(void) { }',
      'static void f(void) { flush_tlb_local(); }',
      '#define CALLS_K() k()',
      '#define NAMES_F_OTHER f_other',
      '',
    ].join('\n');
    const defs = definitionsFrom([parseTreeFile('xen/arch/x86/k.c', text)], { kind: 'tree' });
    // What reading every definition's references gives.
    const naive = new Set(['f']);
    for (let grew = true; grew; ) {
      grew = false;
      for (const d of defs) if (!naive.has(d.name) && [...d.references].some((r) => r !== d.name && naive.has(r))) grew = naive.add(d.name) !== undefined;
    }
    expect([...affectedNames(defs, new Set(['f']))].sort()).toEqual([...naive].sort());
    expect([...naive].sort()).toEqual(['CALLS_K', 'f', 'g', 'k']);
  });
});
