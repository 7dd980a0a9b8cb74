/**
 * The names that make a flush site. Helpers defined on top of these (in the
 * patch or the tree) join the family when their definitions are seen.
 */
export const BUILTIN_FLUSH_API: readonly string[] = [
  'arch_flush_tlb_mask',
  'filtered_flush_tlb_mask',
  'flush_area_mask',
  'flush_mask',
  'flush_tlb_all',
  'flush_tlb_mask',
  'flush_tlb_one_mask',
  'guest_flush_tlb_mask',
];

/** Identifiers whose every use is bookkeeping of a deferred or filtered flush
 *  (the deferral markers of src/xen/deferrals.ts among them). */
export const BOOKKEEPING_IDENTIFIERS: readonly string[] = ['MEMF_no_tlbflush', 'need_tlbflush', 'iommu_dont_flush_iotlb', 'defer_flush'];
/** Calls that are bookkeeping, not flushes. */
export const BOOKKEEPING_CALLS: readonly string[] = ['accumulate_tlbflush'];

/** `FLUSH_TLB`, `FLUSH_FORCE_IPI`, `FLUSH_NO_ASSIST`, …: flag definitions are sites. */
export const isFlushFlag = (name: string): boolean => /^FLUSH_[A-Z0-9_]+$/.test(name);

/** Cheap pre-filter: can this text contain a site for this family at all? */
export function mayContainSite(text: string, family: ReadonlySet<string>): boolean {
  if (text.includes('FLUSH_') || text.includes('tlbflush')) return true;
  if (BOOKKEEPING_IDENTIFIERS.some((name) => text.includes(name))) return true;
  for (const name of family) if (text.includes(name)) return true;
  return false;
}
