import { DEFERRALS } from '../xen/deferrals.js';
import { defineRule } from './rule.js';

const PAYS: Readonly<Record<string, string>> = {
  'memf-no-tlbflush': 'the flush on the allocated pages (filtered_flush_tlb_mask or another flush helper)',
  'iommu-dont-flush': 'iommu_iotlb_flush() over the range the updates changed',
  'p2m-defer': 'p2m_tlb_flush_sync() (or the p2m unlock that flushes)',
};

/**
 * FC011: a deferred flush (src/xen/deferrals.ts: MEMF_no_tlbflush, the IOMMU
 * don't-flush flag, the p2m defer_flush count) is owed before a page the
 * deferred work concerns is released, not only before the function returns.
 * The classifier walks the opener's control-flow graph with FC003's debt walk
 * from the work whose flush is held back to each page release
 * (src/xen/page-release.ts) it reaches unpaid (classify/deferral-releases.ts);
 * this rule reports each such release. The evidence is structural (a path),
 * not a replayed counterexample, so it is a warning.
 */
export const deferredFlushOutlivesPage = defineRule({
  meta: {
    id: 'FC011',
    name: 'deferred-flush-outlives-page',
    severity: 'warning',
    title: 'A page released while a deferred flush is still owed',
    messages: {
      releasedBeforeFlush:
        '{{call}}({{page}}) releases {{page}} while {{flush}} is still owed: {{owner}} opened the deferral at line {{openLine}} and a path reaches this release before {{pays}}; {{why}}',
    },
    docs: {
      summary:
        'A deferred TLB or IOTLB flush (MEMF_no_tlbflush, this_cpu(iommu_dont_flush_iotlb), p2m->defer_flush) must be paid before any page the deferred work concerns is freed, returned to a pool or has its reference dropped, not only before the function returns.',
      x86: [
        'Each mechanism trades a flush per operation for one flush later: MEMF_no_tlbflush makes the caller owe the flush alloc_heap_pages skipped; while this_cpu(iommu_dont_flush_iotlb) is set the IOMMU code skips the IOTLB flush of every mapping it changes until iommu_iotlb_flush(); while p2m->defer_flush is raised (p2m_lock() raises it) an EPT/NPT update only records need_flush until p2m_tlb_flush_sync() or the unlock. Until the flush runs, other CPUs (or devices) may still translate to the page. Releasing the page earlier (free_domheap_page(), p2m_free_ptp(), put_page(), …) lets it be reused while a stale translation still reaches it: a guest or device writes into a page that now belongs to someone else, or a freed p2m page table is still walked.',
        "How it decides: the opener is a site (the flag set, `->defer_flush++`, or the MEMF_no_tlbflush use). On the function's control-flow graph (FC003's), from the work whose flush is held back (the allocation; for the IOMMU and p2m windows the first p2m or IOMMU update after the opener), every page release reached without passing a payment is reported, with the path. MEMF_no_tlbflush releases count only for the pages the allocation handed out (the variable it assigns or accumulate_tlbflush stamps, until it is assigned again), and only where the debt is lost: an anonymous allocation (alloc_domheap_pages(NULL, …), MEMF_no_owner, the xenheap) or a release into a pool; a page with an owner goes back to the heap with a new TLB-flush stamp, which covers the old debt. In a window, a page taken fresh from an allocator and never handed to an update is left alone, and a release before any update is not reported.",
        'Boundary with FC009 (free-before-flush): FC009 judges a patch that removes or moves a flush so a free comes first; FC011 judges a deferral window that is still open at a release, whatever the patch changed. It is a warning: the evidence is a path, not a simulated counterexample.',
        'What it cannot see: a deferral opened in a caller (p2m_lock() taken above the function, the IOMMU flag set by xenmem_add_to_physmap() around xenmem_add_to_physmap_one()) or a release inside a callee; path conditions (a release under `if ( !rc )` counts); updates through function pointers (p2m->set_entry).',
      ].join('\n\n'),
      arm: 'On Arm the same debts exist in other words: the p2m defers its stage-2 TLB invalidation (p2m->need_flush, paid by p2m_tlb_flush_sync() or p2m_write_unlock()), and the SMMU skips its IOTLB invalidation under the same per-CPU flag. The flush itself is a broadcast TLBI and needs no IPI, but a page freed or pooled before it runs can still be reached through a stale stage-2 or SMMU entry. The order matters on every architecture; only the cost of the flush differs.',
      bad: `static int swap_frames(struct domain *d, xen_pfn_t gfn, unsigned int nr)
{
    struct page_info *pg;
    unsigned int i;
    int rc = 0;

    this_cpu(iommu_dont_flush_iotlb) = true;

    for ( i = 0; i < nr && !rc; i++ )
    {
        pg = get_page_from_gfn(d, gfn + i, NULL, P2M_ALLOC);
        if ( !pg )
            continue;
        rc = guest_physmap_remove_page(d, _gfn(gfn + i), page_to_mfn(pg), 0);
        put_page(pg);
    }

    this_cpu(iommu_dont_flush_iotlb) = false;
    iommu_iotlb_flush(d, _dfn(gfn), i, IOMMU_FLUSHF_modified);

    return rc;
}
`,
      good: `static int swap_frames(struct domain *d, xen_pfn_t gfn, unsigned int nr)
{
    struct page_info *pages[16];
    unsigned int i, done = 0;
    int rc = 0;

    if ( nr > ARRAY_SIZE(pages) )
        return -E2BIG;

    this_cpu(iommu_dont_flush_iotlb) = true;

    for ( i = 0; i < nr && !rc; i++ )
    {
        pages[done] = get_page_from_gfn(d, gfn + i, NULL, P2M_ALLOC);
        if ( !pages[done] )
            continue;
        rc = guest_physmap_remove_page(d, _gfn(gfn + i),
                                       page_to_mfn(pages[done]), 0);
        done++;
    }

    this_cpu(iommu_dont_flush_iotlb) = false;
    iommu_iotlb_flush(d, _dfn(gfn), i, IOMMU_FLUSHF_modified);

    for ( i = 0; i < done; i++ )
        put_page(pages[i]);

    return rc;
}
`,
    },
  },
  check(run) {
    const out = [];
    const seen = new Set<string>();
    for (const site of run.sites) {
      const deferral = site.deferral;
      // Removed code is no longer built: only what the patch leaves is reported.
      if (!deferral || site.change === 'removed') continue;
      const why = DEFERRALS.find((d) => d.id === deferral.mechanism)?.why ?? '';
      for (const release of deferral.releases) {
        // Two uses of one deferral (two setters of one owner) reach the same release once.
        const key = [site.patch, site.side, release.file, release.line, release.call, release.page, deferral.mechanism].join('\u0000');
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({
          messageId: 'releasedBeforeFlush' as const,
          data: {
            call: release.call,
            page: release.page,
            flush: deferral.flush,
            owner: deferral.owner,
            openLine: String(site.line),
            releaseLine: String(release.line),
            pays: PAYS[deferral.mechanism] ?? 'the deferred flush',
            mechanism: deferral.mechanism,
            why,
          },
          at: { patch: site.patch, file: release.file, line: release.line, side: site.side, function: release.function ?? null },
          identity: [release.file, release.function ?? '', deferral.mechanism, release.call, release.page],
          // The path starts at the opener, or (MEMF_no_tlbflush) at the allocation on the site's line.
          related:
            release.path[0]?.line === site.line && release.path[0].file === site.file
              ? release.path
              : [{ file: site.file, line: site.line, function: site.function, message: `opens the deferral: ${site.text}` }, ...release.path],
          fix: `Pay ${PAYS[deferral.mechanism] ?? 'the deferred flush'} before releasing ${release.page}, or keep the page (its reference) until after the flush.`,
        });
      }
    }
    return out;
  },
});
