import { defineRule } from './rule.js';
import { sitesWithVerdict } from './site-verdicts.js';

/**
 * A page that changes type must lose every mapping and cached translation of it
 * on every CPU first. A flush of one address (or one order-N range) drops the
 * entries of that address only: the simulator keeps the frame's other mappings,
 * and a CPU writes the new page table through a stale writable mapping (P3), or
 * walks through a table that is no longer one (P2), whatever the mechanism.
 */
export const narrowFlushScope = defineRule({
  meta: {
    id: 'FC007',
    name: 'narrow-flush-scope',
    severity: 'warning',
    title: 'Type-change flush narrower than the frame',
    messages: {
      narrow:
        '{{api}} flushes {{scope}} only on {{arch}}, but this flush is on a page-type-change path: mappings of the frame at other addresses survive it, so a CPU may still write the frame once it is a page table (or walk through it once it is not)',
    },
    docs: {
      summary: 'Warns when the flush that precedes a page-type change is narrowed to one VA or a range instead of the whole TLB.',
      x86: "Before a frame becomes a page table no CPU may keep a writable mapping of it, and before it stops being one no CPU may keep translations through it. Those entries are at whatever addresses the frame is mapped at (the guest's mappings, the direct map), not at the one VA a flush_tlb_one_mask() names. Forcing an IPI does not help: the scope is wrong, not the mechanism.",
      arm: 'The same holds for any port: TLBI by VA invalidates that VA only. On Arm the type change of a stage-2 table is covered by the p2m code, which invalidates by VMID; the warning matters where a common-code type change names one address.',
      bad: [
        'static void make_frame_table(struct page_info *page, cpumask_t *mask)',
        '{',
        '    unsigned long x = page->u.inuse.type_info;',
        '',
        '    if ( (x & PGT_type_mask) == PGT_writable_page )',
        '        flush_tlb_one_mask(mask, __page_to_virt(page));',
        '',
        '    page->u.inuse.type_info = (x & ~PGT_type_mask) | PGT_l1_page_table;',
        '}',
      ].join('\n'),
      good: [
        'static void make_frame_table(struct page_info *page, cpumask_t *mask)',
        '{',
        '    unsigned long x = page->u.inuse.type_info;',
        '',
        '    if ( (x & PGT_type_mask) == PGT_writable_page )',
        '        flush_tlb_mask(mask);',
        '',
        '    page->u.inuse.type_info = (x & ~PGT_type_mask) | PGT_l1_page_table;',
        '}',
      ].join('\n'),
    },
  },
  check(run) {
    return sitesWithVerdict(run, 'narrow-scope').map(({ site, arch, result }) => ({
      messageId: 'narrow' as const,
      data: { api: site.api, arch, scope: result.sim?.inputs?.scope ?? 'part of the TLB' },
      site,
      arch,
      related: site.evidence?.flatMap((e) => e.steps) ?? [],
      ...(result.sim?.trace.length ? { trace: result.sim.trace } : {}),
      fix: 'Flush the whole TLB of the CPUs in the mask before the type changes (flush_tlb_mask(), or flush_mask() without FLUSH_VA_VALID and an order).',
    }));
  },
});
