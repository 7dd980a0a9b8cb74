/**
 * Mechanisms through which Xen code defers a TLB flush: how a deferral opens,
 * what makes the deferred flush owed, and what pays it. Each one owes its
 * flush before a page the deferred work unmapped is released (page-release.ts),
 * not only before the function returns: a page freed, pooled or dropped while
 * the flush is still owed can be reused under another CPU's (or a device's)
 * stale translation. A new mechanism is one entry here.
 */

export type DeferralId = 'memf-no-tlbflush' | 'iommu-dont-flush' | 'p2m-defer';

export interface DeferralMechanism {
  id: DeferralId;
  /** The identifier whose use marks where a deferral may open: its sites carry the check. */
  marker: string;
  /** A statement that opens the deferral (matched on the statement's text);
   *  `memf-no-tlbflush` opens where the flag is set or passed (the classifier's setters). */
  opens?: RegExp;
  /**
   * Calls whose work, once the deferral is open, leaves a flush owed: from the
   * first of them on a path, a release is too early until the flush is paid.
   * For `memf-no-tlbflush` the allocation itself is that work (FC003's start).
   */
  defers: readonly string[];
  /** Calls that pay the deferred flush. `memf-no-tlbflush` is paid by the flush family (any flush helper). */
  pays: readonly string[];
  /** What is deferred, in words, for messages. */
  flush: string;
  /** Why the flush must come before a release, in words. */
  why: string;
}

/** Operations that change p2m or IOMMU mappings: with a deferral open, their flush waits. */
const P2M_UPDATES = [
  'p2m_set_entry',
  'set_p2m_entry',
  'p2m_remove_page',
  'guest_physmap_remove_page',
  'guest_physmap_add_page',
  'guest_physmap_add_entry',
  'p2m_change_type_one',
  'p2m_change_type_range',
  'set_foreign_p2m_entry',
  'set_mmio_p2m_entry',
  'clear_mmio_p2m_entry',
  'write_p2m_entry',
  'p2m_free_entry',
  'ept_free_entry',
  'xenmem_add_to_physmap_one',
];

export const DEFERRALS: readonly DeferralMechanism[] = [
  {
    id: 'memf-no-tlbflush',
    marker: 'MEMF_no_tlbflush',
    defers: [],
    pays: [],
    flush: 'the TLB flush alloc_heap_pages skipped for MEMF_no_tlbflush',
    why: 'the pages it handed out may still be cached by other CPUs from their previous use; released before the flush without an owner (or into a pool) they get no new TLB-flush stamp, so the next user of the page inherits the stale entries with nobody owing their flush',
  },
  {
    id: 'iommu-dont-flush',
    marker: 'iommu_dont_flush_iotlb',
    opens: /\biommu_dont_flush_iotlb\s*\)\s*=\s*(?:true|1)\b/,
    defers: ['iommu_map', 'iommu_unmap', 'iommu_legacy_map', 'iommu_legacy_unmap', ...P2M_UPDATES],
    pays: ['iommu_iotlb_flush', 'iommu_iotlb_flush_all'],
    flush: 'the IOTLB flush held back by iommu_dont_flush_iotlb',
    why: 'while the per-CPU flag is set the IOMMU code skips its IOTLB flush for the mappings it changes, so a device may still reach a page the update unmapped until iommu_iotlb_flush() runs',
  },
  {
    id: 'p2m-defer',
    marker: 'defer_flush',
    opens: /(?:->|\.)\s*defer_flush\s*\+\+|\+\+\s*[\w.>\-[\]]*(?:->|\.)\s*defer_flush\b|(?:->|\.)\s*defer_flush\s*\+=/,
    defers: P2M_UPDATES,
    pays: ['p2m_tlb_flush_sync', 'p2m_force_tlb_flush_sync', 'p2m_unlock', 'p2m_unlock_and_tlb_flush', 'gfn_unlock', 'p2m_write_unlock'],
    flush: 'the p2m TLB flush deferred while defer_flush is raised',
    why: 'a p2m update under defer_flush only records need_flush; guest TLBs (EPT/NPT, stage 2) may still translate to a page it unmapped until p2m_tlb_flush_sync() or the unlock flushes, so a page-table or pool page released before that can be reused under a live translation',
  },
];

const BY_MARKER = new Map(DEFERRALS.map((d) => [d.marker, d]));

/** The mechanism a marker identifier belongs to. */
export const deferralByMarker = (marker: string): DeferralMechanism | undefined => BY_MARKER.get(marker);

/** Cheap test on a body's text: only such bodies are checked for deferral windows. */
export const MAY_DEFER = /\b(?:iommu_dont_flush_iotlb|defer_flush)\b/;

/** Calls that hand back a fresh page: a page taken from one was never mapped by earlier deferred work. */
export const PAGE_ALLOCATORS: readonly string[] = [
  'alloc_domheap_page',
  'alloc_domheap_pages',
  'alloc_xenheap_page',
  'alloc_xenheap_pages',
  'p2m_alloc_ptp',
  'paging_alloc_p2m_page',
  'iommu_alloc_pgtable',
];
