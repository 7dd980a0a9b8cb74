import { defineRule } from './rule.js';

/**
 * FC003: a function that allocates with `MEMF_no_tlbflush` owns the TLB flush
 * the allocator skipped and must do it on every path out. The classifier
 * builds the owner's control-flow graph and records a path that skips the
 * flush as the site's `obligation.missingPath`; this rule reports it on the
 * allocation site, with that path's lines.
 */
export const deferredFlushOnEveryPath = defineRule({
  meta: {
    id: 'FC003',
    name: 'deferred-flush-on-every-path',
    severity: 'error',
    title: 'A MEMF_no_tlbflush allocation must be flushed on every path out',
    messages: {
      pathSkipsFlush: '{{owner}} allocates with MEMF_no_tlbflush and owes the TLB flush alloc_heap_pages skipped, but a path out skips it ({{exit}} at line {{exitLine}})',
    },
    docs: {
      summary:
        'A caller that passes MEMF_no_tlbflush takes over the flush of the freed pages it reuses; every path from the allocation to the function exit, including error paths, must pass that flush.',
      x86: 'The pages handed out may have been page tables that another CPU still caches, or walks in spurious_page_fault() with interrupts off. The owed flush (filtered_flush_tlb_mask) is what makes their reuse safe; an early return that skips it lets the new owner write to a frame other CPUs still translate through. The flush is also an allocation flush, so on PV and shadow builds it must force an IPI.',
      arm: 'On Arm the owed flush is a broadcast TLB invalidation and no IPI is involved, but the obligation is the same: pages reused without the flush can still be reached through stale TLB entries on other CPUs. Skipping it on an error path is a use-after-free of the translation, on every architecture.',
      bad: `static int fill_extents(struct domain *d, unsigned int nr)
{
    struct page_info *pg;
    unsigned int i;
    bool need_tlbflush = false;
    uint32_t tlbflush_timestamp = 0;

    for ( i = 0; i < nr; i++ )
    {
        pg = alloc_domheap_pages(d, 0, MEMF_no_tlbflush);
        if ( !pg )
            return -ENOMEM;
        accumulate_tlbflush(&need_tlbflush, pg, &tlbflush_timestamp);
    }

    if ( need_tlbflush )
        filtered_flush_tlb_mask(tlbflush_timestamp);

    return 0;
}
`,
      good: `static int fill_extents(struct domain *d, unsigned int nr)
{
    struct page_info *pg;
    unsigned int i;
    int rc = 0;
    bool need_tlbflush = false;
    uint32_t tlbflush_timestamp = 0;

    for ( i = 0; i < nr; i++ )
    {
        pg = alloc_domheap_pages(d, 0, MEMF_no_tlbflush);
        if ( !pg )
        {
            rc = -ENOMEM;
            goto out;
        }
        accumulate_tlbflush(&need_tlbflush, pg, &tlbflush_timestamp);
    }

 out:
    if ( need_tlbflush )
        filtered_flush_tlb_mask(tlbflush_timestamp);

    return rc;
}
`,
    },
  },
  check(run) {
    return run.sites.flatMap((site) => {
      const path = site.obligation?.missingPath;
      // Removed code is no longer built: only what the patch leaves is reported.
      if (!site.obligation || !path || path.length === 0 || site.change === 'removed') return [];
      const exit = path[path.length - 1]!;
      return [
        {
          messageId: 'pathSkipsFlush' as const,
          data: { owner: site.obligation.owner, exit: exit.message, exitLine: String(exit.line) },
          site,
          related: path,
        },
      ];
    });
  },
});
