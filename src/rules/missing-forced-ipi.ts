import type { EvidenceStep, ScenarioInputs, Site } from '../types.js';
import { defineRule } from './rule.js';
import { CURRENT_ERA, eraById } from '../xen/eras.js';
import { classWords, sitesWithVerdict } from './site-verdicts.js';

/**
 * A flush on a path that frees, reuses or retypes page-table pages must be an
 * IPI flush on x86, because the spurious-fault walker relies on it; the
 * simulator found an interleaving where an assisted flush lets the walker
 * read a reused frame.
 */
export const missingForcedIpi = defineRule({
  meta: {
    id: 'FC001',
    name: 'missing-forced-ipi',
    severity: 'error',
    title: 'Flush must force an IPI on x86',
    messages: {
      missing:
        '{{api}} can complete as an assisted flush on {{arch}} ({{mechanism}}), but this flush is on a {{classes}} path: it must force an IPI, or a page-table walker with interrupts off can read a freed or retyped frame',
      missingInAssumedEra:
        '{{api}} can complete as an assisted flush on {{arch}} ({{mechanism}}) in the Xen era assumed for this patch ({{era}}: {{why}}), and this flush is on a {{classes}} path: it must then force an IPI. Only that assumed era says the flush can be assisted: review with --tree to be sure',
    },
    docs: {
      summary: 'Reports a TLB flush on a page-type-change or allocation path that may take the assisted (hypercall or broadcast) path on x86 instead of sending IPIs.',
      x86: "spurious_page_fault() walks the page tables with interrupts disabled and relies on the fact that whoever frees or retypes a page-table page must send it a flush IPI first, which cannot complete until the walk ends. An assisted flush (Xen running nested, e.g. the PV shim) completes without the walker's cooperation, so the page can be freed and reused under the walk. Flushes on these paths must use arch_flush_tlb_mask(), FLUSH_NO_ASSIST (FLUSH_FORCE_IPI in 2020 trees) or a helper that adds it.",
      arm: 'On Arm nothing changes: TLB maintenance is broadcast by hardware, stage-2 faults are serialised by the p2m lock rather than by masking interrupts, and "forcing an IPI" is a no-op alias. The parameter or helper exists only so common code can tell x86 which flushes protect a page-table walker: pass the forcing value whenever the flush publishes the reuse of memory that may have been a page table (allocation, page-type change).',
      bad: [
        'static struct page_info *take_reused_run(unsigned int order)',
        '{',
        '    bool need_tlbflush = false;',
        '    uint32_t tlbflush_timestamp = 0;',
        '    struct page_info *pg = take_free_run(order);',
        '',
        '    accumulate_tlbflush(&need_tlbflush, pg, &tlbflush_timestamp);',
        '    if ( need_tlbflush )',
        '        flush_tlb_mask(&cpu_online_map);',
        '',
        '    return pg;',
        '}',
      ].join('\n'),
      good: [
        'static struct page_info *take_reused_run(unsigned int order)',
        '{',
        '    bool need_tlbflush = false;',
        '    uint32_t tlbflush_timestamp = 0;',
        '    struct page_info *pg = take_free_run(order);',
        '',
        '    accumulate_tlbflush(&need_tlbflush, pg, &tlbflush_timestamp);',
        '    if ( need_tlbflush )',
        '        arch_flush_tlb_mask(&cpu_online_map);',
        '',
        '    return pg;',
        '}',
      ].join('\n'),
    },
  },
  check(run) {
    return sitesWithVerdict(run, 'missing-forced-ipi').map(({ site, arch, result }) => {
      const placed = run.patches[site.patch]?.era;
      const era = placed ? eraById(placed.era) : eraById(CURRENT_ERA);
      // Without a tree, whether the flush can be assisted at all is the era's built-in knowledge.
      const assumed = placed?.from === 'assumed' && (result.builtIn ?? []).includes('flush_area_mask');
      const common = {
        data: { api: site.api, arch, mechanism: result.mechanism, classes: classWords(site) },
        site,
        arch,
        related: [...(site.evidence?.flatMap((e) => e.steps) ?? []), ...scenarioStep(site, result.sim?.inputs)],
        ...(result.sim?.trace.length ? { trace: result.sim.trace } : {}),
        fix: era.fix,
      };
      if (!assumed) return { ...common, messageId: 'missing' as const };
      return { ...common, messageId: 'missingInAssumedEra' as const, data: { ...common.data, era: era.name, why: placed.reason }, severity: 'warning' as const };
    });
  },
});

/** What the simulator took from the code that made this flush unsafe: the old types that go unforced, the flags the remote part sees. */
function scenarioStep(site: Site, inputs: ScenarioInputs | undefined): EvidenceStep[] {
  const said: string[] = [];
  if (inputs?.unforcedOldTypes?.length) said.push(`old types ${inputs.unforcedOldTypes.map((t) => t.replace(/^PGT_/, '')).join(', ')} (page tables) reach this flush unforced`);
  if (inputs?.flagsAfterLocal) said.push(`flags after the local flush: ${inputs.flagsAfterLocal}`);
  return said.length ? [{ file: site.file, line: site.line, function: site.function, message: said.join('; ') }] : [];
}
