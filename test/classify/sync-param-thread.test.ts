import { beforeAll, describe, expect, it } from 'vitest';
import type { RunResult, Site } from '../../src/types.js';
import { runCli, SAMPLE } from '../helpers/cli.js';

let run: RunResult;
beforeAll(async () => {
  const out = await runCli(['review', SAMPLE, '--format', 'json']);
  expect(out.stderr).toBe('');
  run = JSON.parse(out.stdout) as RunResult;
});

const site = (file: string, line: number, api: string, side: Site['side'] = 'new'): Site => {
  const found = run.sites.find((s) => s.file === file && s.line === line && s.api === api && s.side === side && s.kind !== 'definition');
  if (!found) throw new Error(`no site ${file}:${line} ${api}`);
  return found;
};

describe('sync-parameter thread: classes from the hunks alone', () => {
  it('memory.c: the flush at out: is the deferred allocation flush, with its chain', () => {
    const s = site('xen/common/memory.c', 293, 'filtered_flush_tlb_mask');
    expect(s.classes).toEqual(['deferred-allocation-flush']);
    const [chain] = s.evidence!;
    expect(chain!.class).toBe('deferred-allocation-flush');
    // Root first: the setter is not in the hunk (said so), then what the hunk shows, then the flush at out:.
    expect(chain!.steps.map((st) => [st.line, st.function])).toEqual([
      [290, 'populate_physmap'],
      [292, 'populate_physmap'],
      [293, 'populate_physmap'],
    ]);
    expect(chain!.steps[0]!.message).toMatch(/sets MEMF_no_tlbflush .*built-in knowledge.*not in view/);
    expect(chain!.steps[1]!.message).toMatch(/need_tlbflush/);
    expect(chain!.steps[2]!.message).toMatch(/^flushes at `out:` \(line 291\)/);
    expect(chain!.conditions).toEqual(['need_tlbflush']);
  });

  it('page_alloc.c: the flush in alloc_heap_pages is an allocation flush, seen from the code', () => {
    const s = site('xen/common/page_alloc.c', 1068, 'filtered_flush_tlb_mask');
    expect(s.classes).toEqual(['allocation']);
    expect(s.evidence![0]!.steps[0]).toMatchObject({ line: 1067, function: 'alloc_heap_pages', message: expect.stringMatching(/tests need_tlbflush/) });
  });

  it('_get_page_type: the flush_tlb_mask_ipi branch is page-type-change under the page-table condition', () => {
    const s = site('xen/arch/x86/mm.c', 2955, 'flush_tlb_mask_ipi');
    expect(s.classes).toEqual(['page-type-change']);
    expect(s.evidence![0]!.conditions).toContain('(x & PGT_type_mask) && (x & PGT_type_mask) <= PGT_root_page_table');
  });

  it('_get_page_type: the else branch is not page-type-change', () => {
    const s = site('xen/arch/x86/mm.c', 2957, 'flush_tlb_mask');
    expect(s.classes).toEqual(['other']);
    expect(s.evidence![0]!.conditions).toContain('!((x & PGT_type_mask) && (x & PGT_type_mask) <= PGT_root_page_table)');
    expect(s.evidence![0]!.steps.at(-1)!.message).toMatch(/not a page-table type/);
  });

  it('the removed flush in _get_page_type was a page-type change too (unconditional)', () => {
    expect(site('xen/arch/x86/mm.c', 2949, 'flush_tlb_mask', 'old').classes).toEqual(['page-type-change']);
  });

  it("mm.h's helper inherits both callers' classes, each with the argument it passes", () => {
    const forced = site('xen/include/xen/mm.h', 646, 'flush_tlb_mask_ipi');
    const plain = site('xen/include/xen/mm.h', 648, 'flush_tlb_mask');
    expect(forced.classes).toEqual(['allocation']);
    expect(forced.evidence![0]!.args).toEqual({ tlbflush_timestamp: 'tlbflush_timestamp', sync: 'true' });
    expect(forced.evidence![0]!.steps.map((st) => st.file)).toEqual(['xen/common/page_alloc.c', 'xen/common/page_alloc.c', 'xen/include/xen/mm.h']);
    expect(plain.classes).toEqual(['deferred-allocation-flush']);
    expect(plain.evidence![0]!.args).toEqual({ tlbflush_timestamp: 'tlbflush_timestamp', sync: 'false' });
    expect(plain.evidence![0]!.steps.at(-2)).toMatchObject({ file: 'xen/common/memory.c', line: 293, message: 'calls filtered_flush_tlb_mask(tlbflush_timestamp, false) at `out:` (line 291)' });
    // The helper as a whole: both classes.
    expect(new Set([...forced.classes!, ...plain.classes!])).toEqual(new Set(['allocation', 'deferred-allocation-flush']));
  });

  it('before the patch the helper had no argument to tell its callers apart', () => {
    const old = site('xen/include/xen/mm.h', 644, 'flush_tlb_mask', 'old');
    expect(old.classes).toEqual(['allocation', 'deferred-allocation-flush']);
  });

  it('definitions carry no classes; every call and bookkeeping use does', () => {
    for (const s of run.sites) {
      if (s.kind === 'definition') expect(s.classes).toBeUndefined();
      else expect(s.classes?.length).toBeGreaterThan(0);
    }
  });

  it('is deterministic', async () => {
    const again = await runCli(['review', SAMPLE, '--format', 'json']);
    expect(JSON.parse(again.stdout)).toEqual(run);
  });
});
