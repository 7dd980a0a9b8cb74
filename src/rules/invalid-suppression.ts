import type { Suppression } from '../types.js';
import { covers } from '../suppressions/apply.js';
import { defineRule, type ReportLocation, type RuleReport } from './rule.js';

const at = (s: Suppression): ReportLocation => ({ patch: s.patch, file: s.file, line: s.line, side: s.side, function: s.function });
/** What identifies a suppression across rebases: where it is by name, and what it says. */
const identity = (s: Suppression, ...what: string[]): string[] => [s.file, s.function ?? '', s.side, s.text.replace(/\s+/g, ' '), ...what];

/**
 * An inline suppression is a claim that a reviewer looked at a finding and
 * accepted it. One that names no rule, names an unknown rule, gives no reason
 * or no longer covers any finding makes that claim about nothing, and would
 * silently hide the next real finding on that line.
 */
export const invalidSuppression = defineRule({
  meta: {
    id: 'FC005',
    name: 'invalid-suppression',
    severity: 'warning',
    title: 'Inline suppression that suppresses nothing',
    messages: {
      unused: 'this suppression of {{rule}} covers no {{rule}} finding: remove it, or put it on the flush it is meant for (its line or the line before)',
      missingReason: 'this suppression of {{rules}} gives no reason, so it suppresses nothing: write the reason after " -- "',
      unknownRule: '"{{rule}}" is not a flushcheck rule (`flushcheck rules` lists them)',
      malformed: 'this flushcheck comment cannot be read: write "flushcheck: ignore <rule>[, <rule>] -- <reason>"',
    },
    docs: {
      summary: 'Warns about a `flushcheck: ignore` comment that has no effect: no rule or an unknown rule named, no reason given, or no finding of the named rule on its line or the line after it.',
      x86: 'A stale suppression above a flush that later loses its forced IPI would hide exactly the regression the rule exists for; keep suppressions tied to a finding and a written reason.',
      arm: 'Same on every architecture: the comment is for the tool, not the compiler, and states why a reviewer accepted a finding.',
      bad: ['static void free_l1_table(struct page_info *page, cpumask_t *mask)', '{', '    /* flushcheck: ignore FC001 */', '    flush_tlb_mask(mask);', '}'].join('\n'),
      good: [
        'static void unmap_grant_frames(struct domain *d)',
        '{',
        '    /* flushcheck: ignore FC002 -- the grant backend relies on the IPI for its own timing */',
        '    flush_mask(d->dirty_cpumask, FLUSH_TLB | FLUSH_NO_ASSIST);',
        '}',
      ].join('\n'),
    },
  },
  afterSuppressions: true,
  check(run) {
    const reports: RuleReport<'unused' | 'missingReason' | 'unknownRule' | 'malformed'>[] = [];
    for (const s of run.suppressions ?? []) {
      if (s.rules.length === 0 && !s.unknownRules?.length) {
        reports.push({ messageId: 'malformed', data: {}, at: at(s), identity: identity(s, 'malformed') });
        continue;
      }
      for (const rule of s.unknownRules ?? []) reports.push({ messageId: 'unknownRule', data: { rule }, at: at(s), identity: identity(s, 'unknownRule', rule) });
      if (s.rules.length > 0 && s.reason === undefined) {
        reports.push({ messageId: 'missingReason', data: { rules: s.rules.join(', ') }, at: at(s), identity: identity(s, 'missingReason', s.rules.join(',')) });
        continue;
      }
      // A comment on a removed line goes away with the patch: nothing to clean up.
      if (s.side !== 'new') continue;
      for (const rule of s.rules) {
        const used = run.findings.some((f) => f.ruleId === rule && f.suppressed?.line === s.line && covers(s, f));
        if (!used) reports.push({ messageId: 'unused', data: { rule }, at: at(s), identity: identity(s, 'unused', rule) });
      }
    }
    return reports;
  },
});
