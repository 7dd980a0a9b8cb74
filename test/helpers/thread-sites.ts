import { describe, expect, it } from 'vitest';
import type { RunResult, Site } from '../../src/types.js';
import { runCli } from './cli.js';
import type { ThreadShape } from './thread-shape.js';

/** What the site list of a thread in the seed's shape needs beyond the shape: the mail and the headers' lines. */
export interface ThreadSites {
  shape: ThreadShape;
  patch: { subject: string; author: string; date: string; version: number };
  /** xen/include/asm-x86/flushtlb.h: FLUSH_HVM_ASID_CORE, the two FLUSH_FORCE_IPI branches, flush_tlb_mask, the forcing helper, flush_tlb_one_mask. */
  x86: { asidCore: number; forceIpi: [number, number]; plain: number; forcing: number; oneMask: number };
  /** xen/include/asm-arm/flushtlb.h: flush_tlb_mask and the forcing alias. */
  arm: { plain: number; forcing: number };
  /** xen/include/xen/mm.h: filtered_flush_tlb_mask's definition (the same line on both sides). */
  definition: number;
}

async function reviewThread(path: string): Promise<{ run: RunResult; stdout: string }> {
  const cli = await runCli(['review', '--format', 'json', path]);
  expect(cli.stderr).toBe('');
  // Exit 1: the memory.c flush must force an IPI (pinned by describeVerdicts).
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
const X86 = 'xen/include/asm-x86/flushtlb.h';
const ARM = 'xen/include/asm-arm/flushtlb.h';
const MM = 'xen/include/xen/mm.h';

/** Issue 2's Done-when: the sites of the thread, with their guards, arguments and definitions. */
export function describeSites(name: string, t: ThreadSites): void {
  const { path, forcingHelper: forcing, memory, pageAlloc, pageType, helper } = t.shape;
  describe(name, () => {
    it('is read as one patch: the replies quote hunks, they are not patches', async () => {
      const { run } = await reviewThread(path);
      expect(run.inputs).toEqual([{ name: path, form: 'web-thread', patches: 1 }]);
      expect(run.patches).toHaveLength(1);
      const { subject, author, date, version } = t.patch;
      expect(run.patches[0]).toMatchObject({ index: 0, subject, author, date, series: { version } });
      expect(run.errors).toEqual([]);
    });

    it('lists exactly these sites', async () => {
      const { run } = await reviewThread(path);
      expect(run.sites.map(row)).toEqual([
        `xen/arch/x86/mm.c:${pageType.removed} old removed _get_page_type call flush_tlb_mask(mask)`,
        `xen/arch/x86/mm.c:${pageType.forced} new added _get_page_type call ${forcing}(mask)`,
        `xen/arch/x86/mm.c:${pageType.plain} new added _get_page_type call flush_tlb_mask(mask)`,
        `xen/common/memory.c:${memory.test} new unchanged populate_physmap flag-use need_tlbflush`,
        `xen/common/memory.c:${memory.flush} new added populate_physmap call filtered_flush_tlb_mask(tlbflush_timestamp, false)`,
        `xen/common/memory.c:${memory.flush} old removed populate_physmap call filtered_flush_tlb_mask(tlbflush_timestamp)`,
        `xen/common/page_alloc.c:${pageAlloc.test} new unchanged alloc_heap_pages flag-use need_tlbflush`,
        `xen/common/page_alloc.c:${pageAlloc.flush} new added alloc_heap_pages call filtered_flush_tlb_mask(tlbflush_timestamp, true)`,
        `xen/common/page_alloc.c:${pageAlloc.flush} old removed alloc_heap_pages call filtered_flush_tlb_mask(tlbflush_timestamp)`,
        `${ARM}:${t.arm.plain} new unchanged - definition flush_tlb_mask`,
        `${ARM}:${t.arm.forcing} new added - definition ${forcing}`,
        `${X86}:${t.x86.asidCore} new unchanged - definition FLUSH_HVM_ASID_CORE`,
        `${X86}:${t.x86.forceIpi[0]} new added - definition FLUSH_FORCE_IPI`,
        `${X86}:${t.x86.forceIpi[1]} new added - definition FLUSH_FORCE_IPI`,
        `${X86}:${t.x86.plain} new unchanged - definition flush_tlb_mask`,
        `${X86}:${t.x86.forcing} new added - definition ${forcing}`,
        `${X86}:${t.x86.oneMask} new unchanged - definition flush_tlb_one_mask`,
        `${MM}:${t.definition} new added filtered_flush_tlb_mask definition filtered_flush_tlb_mask`,
        `${MM}:${t.definition} old removed filtered_flush_tlb_mask definition filtered_flush_tlb_mask`,
        `${MM}:${helper.removed} old removed filtered_flush_tlb_mask call flush_tlb_mask(&mask)`,
        `${MM}:${helper.forced} new added filtered_flush_tlb_mask call ${forcing}(&mask)`,
        `${MM}:${helper.plain} new added filtered_flush_tlb_mask call flush_tlb_mask(&mask)`,
      ]);
      expect(new Set(run.sites.map((s) => s.patch))).toEqual(new Set([0]));
    });

    it('_get_page_type: the removed flush, and the two branches of the new if with their guards', async () => {
      const { run } = await reviewThread(path);
      const forced = site(run, 'xen/arch/x86/mm.c', pageType.forced, 'new', forcing);
      const plain = site(run, 'xen/arch/x86/mm.c', pageType.plain, 'new', 'flush_tlb_mask');
      expect(forced.family).toBe('helper');
      expect(plain.family).toBe('builtin');
      // The outer guard is the tail of a condition the hunk starts inside of.
      for (const s of [forced, plain]) {
        expect(s.guards).toHaveLength(2);
        expect(s.guards[0]).toContain('PGT_writable_page');
      }
      expect(forced.guards[1]).toBe(PAGE_TABLE);
      expect(plain.guards[1]).toBe(`!(${PAGE_TABLE})`);
      const removed = site(run, 'xen/arch/x86/mm.c', pageType.removed, 'old', 'flush_tlb_mask');
      expect(removed).toMatchObject({ change: 'removed', function: '_get_page_type', args: ['mask'] });
      expect(removed.guards).toHaveLength(1);
    });

    it(`populate_physmap passes false at new line ${memory.flush}; alloc_heap_pages passes true at ${pageAlloc.flush}`, async () => {
      const { run } = await reviewThread(path);
      expect(site(run, 'xen/common/memory.c', memory.flush, 'new', 'filtered_flush_tlb_mask')).toMatchObject({
        change: 'added',
        function: 'populate_physmap',
        kind: 'call',
        args: ['tlbflush_timestamp', 'false'],
        guards: ['need_tlbflush'],
        text: 'filtered_flush_tlb_mask(tlbflush_timestamp, false)',
      });
      expect(site(run, 'xen/common/memory.c', memory.flush, 'old', 'filtered_flush_tlb_mask')).toMatchObject({ change: 'removed', function: 'populate_physmap', args: ['tlbflush_timestamp'] });
      expect(site(run, 'xen/common/page_alloc.c', pageAlloc.flush, 'new', 'filtered_flush_tlb_mask')).toMatchObject({
        change: 'added',
        function: 'alloc_heap_pages',
        args: ['tlbflush_timestamp', 'true'],
        guards: ['need_tlbflush'],
      });
      expect(site(run, 'xen/common/page_alloc.c', pageAlloc.flush, 'old', 'filtered_flush_tlb_mask')).toMatchObject({ change: 'removed', function: 'alloc_heap_pages', args: ['tlbflush_timestamp'] });
    });

    it('the definitions in both flushtlb.h headers, with their #if conditions', async () => {
      const { run } = await reviewThread(path);
      expect(site(run, X86, t.x86.forceIpi[0], 'new', 'FLUSH_FORCE_IPI').definition).toEqual({ form: 'object-macro', body: '0x8000', conditions: [PV_OR_SHADOW] });
      expect(site(run, X86, t.x86.forceIpi[1], 'new', 'FLUSH_FORCE_IPI').definition).toEqual({ form: 'object-macro', body: '0', conditions: [`!(${PV_OR_SHADOW})`] });
      const x86Forcing = site(run, X86, t.x86.forcing, 'new', forcing);
      expect(x86Forcing).toMatchObject({ change: 'added', kind: 'definition', function: null, family: 'helper' });
      expect(x86Forcing.definition).toEqual({ form: 'function-macro', params: ['mask'], body: 'flush_mask(mask, FLUSH_TLB | FLUSH_FORCE_IPI)', conditions: [] });
      expect(site(run, X86, t.x86.plain, 'new', 'flush_tlb_mask').definition).toEqual({ form: 'function-macro', params: ['mask'], body: 'flush_mask(mask, FLUSH_TLB)', conditions: [] });

      const armForcing = site(run, ARM, t.arm.forcing, 'new', forcing);
      expect(armForcing).toMatchObject({ change: 'added', kind: 'definition', family: 'helper' });
      expect(armForcing.definition).toEqual({ form: 'object-macro', body: 'flush_tlb_mask', conditions: [] });
    });

    it('the new filtered_flush_tlb_mask in xen/mm.h calls both flushes under its new parameter', async () => {
      const { run } = await reviewThread(path);
      const def = site(run, MM, t.definition, 'new', 'filtered_flush_tlb_mask');
      expect(def).toMatchObject({ change: 'added', kind: 'definition', function: 'filtered_flush_tlb_mask', family: 'builtin' });
      expect(def.definition).toMatchObject({ form: 'inline-function', params: ['tlbflush_timestamp', 'sync'], conditions: [] });
      expect(site(run, MM, t.definition, 'old', 'filtered_flush_tlb_mask').definition).toMatchObject({ form: 'inline-function', params: ['tlbflush_timestamp'] });
      expect(site(run, MM, helper.forced, 'new', forcing)).toMatchObject({ function: 'filtered_flush_tlb_mask', args: ['&mask'], guards: ['!cpumask_empty(&mask)', 'sync'] });
      expect(site(run, MM, helper.plain, 'new', 'flush_tlb_mask')).toMatchObject({ function: 'filtered_flush_tlb_mask', args: ['&mask'], guards: ['!cpumask_empty(&mask)', '!(sync)'] });
      expect(site(run, MM, helper.removed, 'old', 'flush_tlb_mask')).toMatchObject({ change: 'removed', function: 'filtered_flush_tlb_mask', guards: ['!cpumask_empty(&mask)'] });
    });

    it('gives the same bytes on every run', async () => {
      const first = await reviewThread(path);
      const second = await reviewThread(path);
      expect(second.stdout).toBe(first.stdout);
    });
  });
}
