import { describe, expect, it } from 'vitest';
import type { RunResult, Site } from '../../src/types.js';
import { runCli, SAMPLE } from '../helpers/cli.js';

// Issue 2's Done-when on our own thread in the seed's shape (the seed itself
// is pinned in test/system/seed-sites.test.ts when ../shared is there).

async function reviewSample(): Promise<{ run: RunResult; stdout: string }> {
  const cli = await runCli(['review', '--format', 'json', SAMPLE]);
  expect(cli.stderr).toBe('');
  // Exit 1: the memory.c flush must force an IPI (pinned in test/pipeline/sync-param-verdicts.test.ts).
  expect(cli.code).toBe(1);
  return { run: JSON.parse(cli.stdout) as RunResult, stdout: cli.stdout };
}

const row = (s: Site): string => `${s.file}:${s.line} ${s.side} ${s.change} ${s.function ?? '-'} ${s.kind} ${s.api}${s.args ? `(${s.args.join(', ')})` : ''}`;

function site(run: RunResult, file: string, line: number, side: Site['side'], api: string): Site {
  const found = run.sites.filter((s) => s.file === file && s.line === line && s.side === side && s.api === api);
  expect(found, `${api} at ${file}:${line} (${side})`).toHaveLength(1);
  return found[0]!;
}

const PAGE_TABLE = '(x & PGT_type_mask) && (x & PGT_type_mask) <= PGT_root_page_table';
const PV_OR_SHADOW = 'defined(CONFIG_PV) || defined(CONFIG_SHADOW_PAGING)';

describe('the sync-parameter thread', () => {
  it('is read as one patch: the replies quote hunks, they are not patches', async () => {
    const { run } = await reviewSample();
    expect(run.inputs).toEqual([{ name: SAMPLE, form: 'web-thread', patches: 1 }]);
    expect(run.patches).toHaveLength(1);
    expect(run.patches[0]).toMatchObject({
      index: 0,
      subject: '[PATCH v3] x86/flush: keep the IPI where a page-table walker relies on it',
      author: 'Mira Halvorsen',
      date: '3 days ago',
      series: { version: 3 },
    });
    expect(run.errors).toEqual([]);
  });

  it('lists exactly these sites', async () => {
    const { run } = await reviewSample();
    expect(run.sites.map(row)).toEqual([
      'xen/arch/x86/mm.c:2949 old removed _get_page_type call flush_tlb_mask(mask)',
      'xen/arch/x86/mm.c:2955 new added _get_page_type call flush_tlb_mask_ipi(mask)',
      'xen/arch/x86/mm.c:2957 new added _get_page_type call flush_tlb_mask(mask)',
      'xen/common/memory.c:292 new unchanged populate_physmap flag-use need_tlbflush',
      'xen/common/memory.c:293 new added populate_physmap call filtered_flush_tlb_mask(tlbflush_timestamp, false)',
      'xen/common/memory.c:293 old removed populate_physmap call filtered_flush_tlb_mask(tlbflush_timestamp)',
      'xen/common/page_alloc.c:1067 new unchanged alloc_heap_pages flag-use need_tlbflush',
      'xen/common/page_alloc.c:1068 new added alloc_heap_pages call filtered_flush_tlb_mask(tlbflush_timestamp, true)',
      'xen/common/page_alloc.c:1068 old removed alloc_heap_pages call filtered_flush_tlb_mask(tlbflush_timestamp)',
      'xen/include/asm-arm/flushtlb.h:27 new unchanged - definition flush_tlb_mask',
      'xen/include/asm-arm/flushtlb.h:29 new added - definition flush_tlb_mask_ipi',
      'xen/include/asm-x86/flushtlb.h:117 new unchanged - definition FLUSH_HVM_ASID_CORE',
      'xen/include/asm-x86/flushtlb.h:124 new added - definition FLUSH_FORCE_IPI',
      'xen/include/asm-x86/flushtlb.h:126 new added - definition FLUSH_FORCE_IPI',
      'xen/include/asm-x86/flushtlb.h:142 new unchanged - definition flush_tlb_mask',
      'xen/include/asm-x86/flushtlb.h:145 new added - definition flush_tlb_mask_ipi',
      'xen/include/asm-x86/flushtlb.h:147 new unchanged - definition flush_tlb_one_mask',
      'xen/include/xen/mm.h:635 new added filtered_flush_tlb_mask definition filtered_flush_tlb_mask',
      'xen/include/xen/mm.h:635 old removed filtered_flush_tlb_mask definition filtered_flush_tlb_mask',
      'xen/include/xen/mm.h:644 old removed filtered_flush_tlb_mask call flush_tlb_mask(&mask)',
      'xen/include/xen/mm.h:646 new added filtered_flush_tlb_mask call flush_tlb_mask_ipi(&mask)',
      'xen/include/xen/mm.h:648 new added filtered_flush_tlb_mask call flush_tlb_mask(&mask)',
    ]);
    expect(new Set(run.sites.map((s) => s.patch))).toEqual(new Set([0]));
  });

  it('_get_page_type: the removed flush, and the two branches of the new if with their guards', async () => {
    const { run } = await reviewSample();
    const sync = site(run, 'xen/arch/x86/mm.c', 2955, 'new', 'flush_tlb_mask_ipi');
    const plain = site(run, 'xen/arch/x86/mm.c', 2957, 'new', 'flush_tlb_mask');
    expect(sync.family).toBe('helper');
    expect(plain.family).toBe('builtin');
    // The outer guard is the tail of a condition the hunk starts inside of.
    for (const s of [sync, plain]) {
      expect(s.guards).toHaveLength(2);
      expect(s.guards[0]).toContain('PGT_writable_page');
    }
    expect(sync.guards[1]).toBe(PAGE_TABLE);
    expect(plain.guards[1]).toBe(`!(${PAGE_TABLE})`);
    const removed = site(run, 'xen/arch/x86/mm.c', 2949, 'old', 'flush_tlb_mask');
    expect(removed).toMatchObject({ change: 'removed', function: '_get_page_type', args: ['mask'] });
    expect(removed.guards).toHaveLength(1);
  });

  it('populate_physmap passes false at new line 293; alloc_heap_pages passes true at 1068', async () => {
    const { run } = await reviewSample();
    expect(site(run, 'xen/common/memory.c', 293, 'new', 'filtered_flush_tlb_mask')).toMatchObject({
      change: 'added',
      function: 'populate_physmap',
      kind: 'call',
      args: ['tlbflush_timestamp', 'false'],
      guards: ['need_tlbflush'],
      text: 'filtered_flush_tlb_mask(tlbflush_timestamp, false)',
    });
    expect(site(run, 'xen/common/memory.c', 293, 'old', 'filtered_flush_tlb_mask')).toMatchObject({ change: 'removed', function: 'populate_physmap', args: ['tlbflush_timestamp'] });
    expect(site(run, 'xen/common/page_alloc.c', 1068, 'new', 'filtered_flush_tlb_mask')).toMatchObject({
      change: 'added',
      function: 'alloc_heap_pages',
      args: ['tlbflush_timestamp', 'true'],
      guards: ['need_tlbflush'],
    });
    expect(site(run, 'xen/common/page_alloc.c', 1068, 'old', 'filtered_flush_tlb_mask')).toMatchObject({ change: 'removed', function: 'alloc_heap_pages', args: ['tlbflush_timestamp'] });
  });

  it('the definitions in both flushtlb.h headers, with their #if conditions', async () => {
    const { run } = await reviewSample();
    const x86 = 'xen/include/asm-x86/flushtlb.h';
    expect(site(run, x86, 124, 'new', 'FLUSH_FORCE_IPI').definition).toEqual({ form: 'object-macro', body: '0x8000', conditions: [PV_OR_SHADOW] });
    expect(site(run, x86, 126, 'new', 'FLUSH_FORCE_IPI').definition).toEqual({ form: 'object-macro', body: '0', conditions: [`!(${PV_OR_SHADOW})`] });
    const x86Ipi = site(run, x86, 145, 'new', 'flush_tlb_mask_ipi');
    expect(x86Ipi).toMatchObject({ change: 'added', kind: 'definition', function: null, family: 'helper' });
    expect(x86Ipi.definition).toEqual({ form: 'function-macro', params: ['mask'], body: 'flush_mask(mask, FLUSH_TLB | FLUSH_FORCE_IPI)', conditions: [] });
    expect(site(run, x86, 142, 'new', 'flush_tlb_mask').definition).toEqual({ form: 'function-macro', params: ['mask'], body: 'flush_mask(mask, FLUSH_TLB)', conditions: [] });

    const armIpi = site(run, 'xen/include/asm-arm/flushtlb.h', 29, 'new', 'flush_tlb_mask_ipi');
    expect(armIpi).toMatchObject({ change: 'added', kind: 'definition', family: 'helper' });
    expect(armIpi.definition).toEqual({ form: 'object-macro', body: 'flush_tlb_mask', conditions: [] });
  });

  it('the new filtered_flush_tlb_mask in xen/mm.h calls both flushes under sync', async () => {
    const { run } = await reviewSample();
    const mm = 'xen/include/xen/mm.h';
    const def = site(run, mm, 635, 'new', 'filtered_flush_tlb_mask');
    expect(def).toMatchObject({ change: 'added', kind: 'definition', function: 'filtered_flush_tlb_mask', family: 'builtin' });
    expect(def.definition).toMatchObject({ form: 'inline-function', params: ['tlbflush_timestamp', 'sync'], conditions: [] });
    expect(site(run, mm, 635, 'old', 'filtered_flush_tlb_mask').definition).toMatchObject({ form: 'inline-function', params: ['tlbflush_timestamp'] });
    expect(site(run, mm, 646, 'new', 'flush_tlb_mask_ipi')).toMatchObject({ function: 'filtered_flush_tlb_mask', args: ['&mask'], guards: ['!cpumask_empty(&mask)', 'sync'] });
    expect(site(run, mm, 648, 'new', 'flush_tlb_mask')).toMatchObject({ function: 'filtered_flush_tlb_mask', args: ['&mask'], guards: ['!cpumask_empty(&mask)', '!(sync)'] });
    expect(site(run, mm, 644, 'old', 'flush_tlb_mask')).toMatchObject({ change: 'removed', function: 'filtered_flush_tlb_mask', guards: ['!cpumask_empty(&mask)'] });
  });

  it('gives the same bytes on every run', async () => {
    const first = await reviewSample();
    const second = await reviewSample();
    expect(second.stdout).toBe(first.stdout);
  });
});
