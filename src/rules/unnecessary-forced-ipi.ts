import { defineRule } from './rule.js';
import { sitesWithVerdict } from './site-verdicts.js';

/**
 * Forcing an IPI where no page-table walker depends on it is safe but slow
 * on nested Xen: every such flush becomes interrupts to all targets.
 */
export const unnecessaryForcedIpi = defineRule({
  meta: {
    id: 'FC002',
    name: 'unnecessary-forced-ipi',
    severity: 'note',
    title: 'Forced IPI where an assisted flush is safe',
    messages: {
      unnecessary: '{{api}} forces an IPI on {{arch}} but this flush guards nothing a page-table walker reads: an assisted flush is safe here and much cheaper on nested Xen',
    },
    docs: {
      summary: 'Notes a flush that forces IPIs on x86 although no page-type change or allocation path reaches it.',
      x86: 'Grant-table unmaps, p2m/EPT/NPT updates, guest-requested flushes and context-switch dirty masks do not free or retype page-table pages that spurious_page_fault() may be walking, so the assisted flush is safe there. Forcing IPIs costs real time in the PV shim: Xen measured make -j32 at sys 36m24s with IPIs vs 5m16s with assisted flushes.',
      arm: 'Nothing to do on Arm: the flush is a hardware broadcast either way. This note only concerns the cost of x86 builds running nested.',
      bad: [
        'static void unmap_grant_frames(struct domain *d)',
        '{',
        '    /* guest mappings only: no Xen page-table page is freed here */',
        '    flush_mask(d->dirty_cpumask, FLUSH_TLB | FLUSH_NO_ASSIST);',
        '}',
      ].join('\n'),
      good: ['static void unmap_grant_frames(struct domain *d)', '{', '    /* guest mappings only: no Xen page-table page is freed here */', '    flush_tlb_mask(d->dirty_cpumask);', '}'].join('\n'),
    },
  },
  check(run) {
    return sitesWithVerdict(run, 'unnecessary-forced-ipi').map(({ site, arch }) => ({
      messageId: 'unnecessary' as const,
      data: { api: site.api, arch },
      site,
      arch,
      related: site.evidence?.flatMap((e) => e.steps) ?? [],
      fix: 'Use the plain flush (flush_tlb_mask(), or FLUSH_TLB without FLUSH_NO_ASSIST) unless a page-table page can be freed or retyped on this path.',
    }));
  },
});
