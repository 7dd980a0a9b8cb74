import { defineRule, type RuleReport } from './rule.js';
import { sitesWithVerdict } from './site-verdicts.js';

/** The simulator hit a bound: nobody has shown this flush safe or unsafe. */
export const simulationInconclusive = defineRule({
  meta: {
    id: 'FC004',
    name: 'simulation-inconclusive',
    severity: 'warning',
    title: 'Flush could not be proven safe or unsafe',
    messages: {
      inconclusive: 'the simulation of {{api}} on {{arch}} stopped at a bound ({{bound}}): review this flush by hand',
      undecided: 'what {{api}} does on {{arch}} cannot be told from the code in view ({{reason}}): review this flush by hand',
      notImplemented: '{{api}} on {{arch}}: {{reason}}; whether it must force an IPI there is decided when the port implements it',
    },
    docs: {
      summary: 'Warns when the TLB/IPI simulator reached a state or depth bound before deciding a site.',
      x86: 'A flush whose safety is unknown on a page-table path may be the regression this tool exists to catch; check whether it must force an IPI.',
      arm: 'On Arm the flush is a hardware broadcast; the question concerns x86 builds with PV or shadow paging.',
      bad: [
        'static void reuse_pages(cpumask_t *mask, unsigned int flags)',
        '{',
        '    /* flags computed far away: the simulator explores every outcome */',
        '    flush_mask(mask, compute_flags(flags));',
        '}',
      ].join('\n'),
      good: ['static void reuse_pages(cpumask_t *mask)', '{', '    flush_mask(mask, FLUSH_TLB | FLUSH_NO_ASSIST);', '}'].join('\n'),
    },
  },
  check(run) {
    return sitesWithVerdict(run, 'inconclusive').map(({ site, arch, result }): RuleReport<'inconclusive' | 'undecided' | 'notImplemented'> => {
      const undecided = result.sim?.undecided;
      // A port's trapping stub is a fact about the port, not a doubt about this flush: said, as a note.
      if (result.mechanism === 'not-implemented')
        return { messageId: 'notImplemented' as const, data: { api: site.api, arch, reason: undecided ?? 'its flush is a stub' }, site, arch, severity: 'note' };
      if (undecided) return { messageId: 'undecided' as const, data: { api: site.api, arch, reason: undecided }, site, arch };
      return { messageId: 'inconclusive' as const, data: { api: site.api, arch, bound: result.sim?.bound ?? 'unknown bound' }, site, arch };
    });
  },
});
