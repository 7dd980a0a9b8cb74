import type { ExposedRelease, FlushCoverage } from '../types.js';
import { defineRule } from './rule.js';

/**
 * FC009: a patch that removes or moves a flush so that a page goes back to an
 * allocator or pool (or loses a reference that may be its last) before a flush
 * covering it. The pipeline compares each changed function before and after the
 * patch on its control-flow graph (classify/free-before-flush.ts) and records
 * the releases that lost their covering flush on some path; this rule reports
 * each at the release. Where no path flushes first any more, the new order is
 * replayed in the simulator (sim/release-order.ts): its counterexample (a CPU still
 * caching a translation of the page when its next owner writes it) makes an error.
 * Where only some paths lost the flush (the path may be infeasible), a warning.
 */
export const freeBeforeFlush = defineRule({
  meta: {
    id: 'FC009',
    name: 'free-before-flush',
    severity: 'error',
    title: 'A page is released before the flush that covered it',
    messages: {
      exposed:
        '{{api}} hands back {{page}} ({{kind}}), and after the patch {{after}} from the start of {{function}} reaches it with no TLB flush first; before the patch {{before}} ({{flush}}). A CPU still caching a translation of the page can use it once it is reused',
      deferred:
        '{{api}} hands back {{page}} ({{kind}}) while the p2m flush may be deferred (p2m->defer_flush: the p2m only records need_flush), and after the patch {{after}} from the start of {{function}} reaches it without paying that flush; before the patch {{before}} ({{flush}}). The page can be reused while other CPUs still translate through it',
    },
    docs: {
      summary:
        'Warns when a patch removes or moves a flush so that, on some path, a page goes back to an allocator or pool (free_domheap_page, p2m_free_ptp, ...) or drops a reference before a flush covers it.',
      x86: [
        "A page-table page (or any page mapped until now) may still be cached in other CPUs' TLBs: the flush before the free is what makes its reuse safe. Under the p2m lock the p2m only records need_flush (p2m->defer_flush), so p2m_tlb_flush_sync() before p2m_free_ptp() is the flush that matters.",
        'How it decides: each changed function is compared before and after the patch on the control-flow graph FC003 uses; a release (src/xen/page-release.ts) that every (or some) path reached through a flush before, and fewer paths do after, is reported: an error when no path flushes first any more and the simulator, replaying that order, finds a CPU still caching the page when its next owner writes it; a warning when only some paths lost the flush, or when the release is one the heap may cover itself (free_domheap_page() and the reference drops: free_heap_pages() stamps the TLB-flush time of a page with an owner and the allocator flushes stale CPUs before reusing it, which the call does not show). A release FC011 reports (a deferral window still open at it) is left to FC011, which names the window. It cannot see flushes done by callers or unnamed callees, nor whether an earlier flush still comes after the last mapping change (docs/classify.md).',
      ].join('\n\n'),
      arm: "The same holds on Arm: the flush is a broadcast TLBI, not an IPI, but a page returned to the allocator or the p2m pool before it completed can be reused while another CPU's TLB still maps it. Only the order of flush and free matters.",
      bad: [
        'static void drop_table(struct domain *d, struct page_info *pg)',
        '{',
        '    clear_table_entry(d, pg);',
        '    free_xen_pagetable(page_to_mfn(pg));',
        '    flush_tlb_mask(d->dirty_cpumask);',
        '}',
      ].join('\n'),
      good: [
        'static void drop_table(struct domain *d, struct page_info *pg)',
        '{',
        '    clear_table_entry(d, pg);',
        '    flush_tlb_mask(d->dirty_cpumask);',
        '    free_xen_pagetable(page_to_mfn(pg));',
        '}',
      ].join('\n'),
    },
  },
  check(run) {
    // A release inside an open deferral window is FC011's finding, with the window named: one finding per release.
    const outlived = new Set(run.sites.flatMap((s) => s.deferral?.releases.map((r) => `${r.file}:${r.line}`) ?? []));
    return (run.exposedReleases ?? [])
      .filter((e) => !outlived.has(`${e.file}:${e.line}`))
      .map((e) => {
        const common = {
          data: {
            api: e.api,
            page: e.page,
            kind: KIND_WORDS[e.kind],
            function: e.function,
            after: AFTER_WORDS[e.after],
            before: BEFORE_WORDS[e.before],
            flush: e.coveredBy ? `${e.coveredBy.api}, old line ${e.coveredBy.line}` : 'a flush',
          },
          at: { patch: e.patch, file: e.file, line: e.line, side: 'new' as const, function: e.function },
          identity: [e.file, e.function, e.api, e.page, e.text],
          related: related(e),
          // An error needs the replay of the new order to find a CPU caching a translation of the reused page.
          ...(e.sim && !e.sim.safe && !e.sim.bound ? { trace: e.sim.trace } : { severity: 'warning' as const }),
        };
        return e.deferred
          ? { ...common, messageId: 'deferred' as const, fix: 'Call p2m_tlb_flush_sync() (or keep the sync the patch removed) before the page goes back to the pool, on every path.' }
          : {
              ...common,
              messageId: 'exposed' as const,
              fix: 'Flush before the release on every path (keep or restore the flush the patch moved or removed), or defer the release until the flush completed.',
            };
      });
  },
});

const KIND_WORDS: Record<ExposedRelease['kind'], string> = {
  free: 'back to the allocator',
  pool: 'back to its pool, to be handed out again',
  put: 'a reference dropped, possibly the last',
};

const AFTER_WORDS: Record<FlushCoverage, string> = { every: 'no path', some: 'a path', none: 'every path' };
const BEFORE_WORDS: Record<FlushCoverage, string> = { every: 'every path passed a flush', some: 'some path passed a flush', none: 'no path passed one' };

function related(e: ExposedRelease): ExposedRelease['path'] {
  const was = e.coveredBy ? [{ file: e.oldFile, line: e.coveredBy.line, function: e.coveredBy.function ?? null, message: `before the patch: ${e.coveredBy.message}` }] : [];
  return [...was, ...e.path];
}
