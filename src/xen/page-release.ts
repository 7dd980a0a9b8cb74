/**
 * Calls through which a page leaves the code that holds it: back to an
 * allocator or pool, or a reference dropped that may be the last one. Any
 * stale TLB entry still mapping the page must be flushed before one of
 * these, which is what the free-before-flush and deferred-flush rules check.
 * A new release path is one entry here.
 */

export type PageReleaseKind =
  /** Straight back to an allocator: reusable by anyone at once. */
  | 'free'
  /** Back to a per-domain or per-subsystem pool, reused for page tables. */
  | 'pool'
  /** A reference (general or type) dropped: the last one frees or retypes the page. */
  | 'put';

export interface PageRelease {
  name: string;
  kind: PageReleaseKind;
  /** Index of the argument that names the page (a `struct page_info *` or an mfn). */
  pageArg: number;
  /**
   * The heap may cover a missing flush itself: free_heap_pages() stamps the
   * TLB-flush time of a page that has an owner and alloc_heap_pages() flushes
   * stale CPUs before handing it out again. Whether the page has an owner is
   * not visible at the call, so a release like this is never proven unsafe.
   */
  heapMayCover?: true;
}

export const PAGE_RELEASES: readonly PageRelease[] = [
  { name: 'free_domheap_pages', kind: 'free', pageArg: 0, heapMayCover: true },
  { name: 'free_domheap_page', kind: 'free', pageArg: 0, heapMayCover: true },
  { name: 'free_xenheap_pages', kind: 'free', pageArg: 0 },
  { name: 'free_xenheap_page', kind: 'free', pageArg: 0 },
  { name: 'free_shared_domheap_page', kind: 'free', pageArg: 0, heapMayCover: true },
  { name: 'free_xen_pagetable', kind: 'free', pageArg: 0 },
  { name: 'p2m_free_ptp', kind: 'pool', pageArg: 1 },
  { name: 'paging_free_p2m_page', kind: 'pool', pageArg: 1 },
  { name: 'iommu_free_pgtable', kind: 'pool', pageArg: 1 },
  // Arm's p2m pool (the stage-2 tables), x86's HAP and shadow pools.
  { name: 'p2m_free_page', kind: 'pool', pageArg: 1 },
  { name: 'hap_free', kind: 'pool', pageArg: 1 },
  { name: 'shadow_free', kind: 'pool', pageArg: 1 },
  // x86 populate-on-demand: the cache hands its pages to the guest again.
  { name: 'p2m_pod_cache_add', kind: 'pool', pageArg: 1 },
  { name: 'put_page', kind: 'put', pageArg: 0, heapMayCover: true },
  { name: 'put_page_and_type', kind: 'put', pageArg: 0, heapMayCover: true },
  { name: 'put_page_type', kind: 'put', pageArg: 0 },
  { name: 'put_page_alloc_ref', kind: 'put', pageArg: 0, heapMayCover: true },
];

const BY_NAME = new Map(PAGE_RELEASES.map((r) => [r.name, r]));

/** The release a call of `name` performs, if it is one. */
export const pageReleaseOf = (name: string): PageRelease | undefined => BY_NAME.get(name);
