import type { Evidence, EvidenceStep, RunResult, Site, SiteClass } from '../types.js';
import { builtinPageTypes, conjunction, lostSituations, type LostSituation } from '../classify/page-types.js';
import { functionKey, rewrittenCalls } from './rewritten-calls.js';
import { defineRule } from './rule.js';

/**
 * A patch that changes the condition under which a required flush runs (a new
 * guard, a narrowed test, or a guard moved past an assignment to a variable it
 * reads, which keeps its text and changes its meaning) is compared by what the
 * guard covers, read through the values its variables hold: the old and new
 * page types and the truths it tests are enumerated, and a situation where the
 * flush ran before and certainly does not run now is reported. A flush that
 * follows a page-table update in its function (mod_l2_entry(), l1e_write(), …)
 * is required too: it is what makes the update visible to the other CPUs.
 */
export const changedFlushGuard = defineRule({
  meta: {
    id: 'FC006',
    name: 'changed-flush-guard',
    severity: 'warning',
    title: 'A required flush now runs in fewer situations',
    messages: {
      narrowed: 'the patch changes when {{api}} runs on this {{classes}} path: before, `{{before}}`; now, `{{after}}`. It no longer runs (nor does another flush of this function) when {{situation}}',
      narrowedAfterUpdate:
        'the patch changes when {{api}} runs after the page-table update `{{update}}` (line {{updateLine}}): before, `{{before}}`; now, `{{after}}`. It no longer runs (nor does another flush of this function) when {{situation}}, and CPUs in {{mask}} keep using translations of the old entry',
    },
    docs: {
      summary:
        'Warns when a patch narrows the guard of a flush that a page-type change, an allocation, a deferred flush or a page-table update before it in its function needs, or moves it past an assignment to a variable the guard reads.',
      x86: 'The flush before a type change or a reuse is what keeps a CPU from using a stale translation of the frame. A guard that reads a variable after it was updated (the new type instead of the old one) or a test narrowed by a rework silently skips that flush in some situations; no verdict on the call itself shows it, because the call is unchanged.',
      arm: 'The same holds on every port: a skipped flush leaves stale TLB entries whatever the mechanism. The warning names a situation (old type, new type, tested flags) in which the flush ran before the patch and does not run after it.',
      bad: [
        'static void retype_frame(struct page_info *page, cpumask_t *mask, unsigned long type)',
        '{',
        '    unsigned long x = page->u.inuse.type_info;',
        '',
        '    if ( (x & PGT_type_mask) != type && need_flush(page) && !page_is_idle(page) )',
        '        arch_flush_tlb_mask(mask);',
        '',
        '    page->u.inuse.type_info = (x & ~PGT_type_mask) | type;',
        '}',
      ].join('\n'),
      good: [
        'static void retype_frame(struct page_info *page, cpumask_t *mask, unsigned long type)',
        '{',
        '    unsigned long x = page->u.inuse.type_info;',
        '',
        '    if ( (x & PGT_type_mask) != type && need_flush(page) )',
        '        arch_flush_tlb_mask(mask);',
        '',
        '    page->u.inuse.type_info = (x & ~PGT_type_mask) | type;',
        '}',
      ].join('\n'),
    },
  },
  check(run) {
    const fix = 'Test what the guard tested before the patch: read the variable before it is updated (or keep the old value in its own variable), or restore the narrowed condition.';
    return guardChanges(run).map(({ site, before, after, lost, classes, update }) => {
      const related = site.evidence?.flatMap((e) => e.steps) ?? [];
      if (classes.length === 0 && update) {
        const data = { api: site.api, before, after, situation: describe(lost), update: update.message.replace(/^[^:]*: /, ''), updateLine: String(update.line), mask: site.args?.[0] ?? 'the mask' };
        return { messageId: 'narrowedAfterUpdate' as const, data, site, related: [update, ...related], fix };
      }
      return { messageId: 'narrowed' as const, data: { api: site.api, classes: classes.join(', '), before, after, situation: describe(lost) }, site, related, fix };
    });
  },
});

const REQUIRED: ReadonlySet<SiteClass> = new Set(['page-type-change', 'allocation', 'deferred-allocation-flush']);

/**
 * The chain whose conditions are the site's own guard: a required root in the site's own
 * function (a helper's guard on a parameter is its callers' business, judged at each call).
 */
const local = (site: Site, e: Evidence): boolean => e.steps.every((st) => st.file === site.file && st.function === site.function);
const chainOf = (site: Site): Evidence | undefined => (site.evidence ?? []).find((e) => REQUIRED.has(e.class) && local(site, e)) ?? (site.evidence ?? []).find((e) => local(site, e));
const read = (e: { conditions?: string[]; conditionsRead?: string[] } | undefined): string[] => e?.conditionsRead ?? e?.conditions ?? [];
const guardText = (conditions: readonly string[]): string => (conditions.length ? conjunction(conditions) : '1');

interface GuardChange {
  site: Site;
  before: string;
  after: string;
  lost: LostSituation;
  classes: SiteClass[];
  /** For a flush required only because it follows a page-table update: the update (the last one above it). */
  update?: EvidenceStep;
}

/**
 * `after` is every guard under which the function still flushes: a situation is lost only
 * when none of them holds (a branch split into a forced and a plain flush loses nothing).
 */
function compare(site: Site, beforeConditions: string[], beforeClasses: SiteClass[], afterConditions: string[], flushesAfter: readonly string[], updatedBefore: boolean): GuardChange | undefined {
  const classes = beforeClasses.filter((c) => REQUIRED.has(c));
  const update = updatedBefore ? site.pageTableUpdates?.at(-1) : undefined;
  if ((classes.length === 0 && !update) || !chainOf(site)) return undefined;
  const before = guardText(beforeConditions);
  const after = guardText(afterConditions);
  if (before === after) return undefined;
  const anyAfter = flushesAfter.length > 1 ? flushesAfter.map((g) => `(${g})`).join(' || ') : after;
  const lost = lostSituations(before, anyAfter, builtinPageTypes());
  if (lost.length === 0) return undefined;
  return { site, before, after, lost: mostTelling(lost), classes, ...(update ? { update } : {}) };
}

/** A page-table old type that no longer flushes says most. */
function mostTelling(lost: readonly LostSituation[]): LostSituation {
  const table = builtinPageTypes().types;
  const score = (l: LostSituation): number =>
    Object.values(l.situation).filter((v) => table.some((t) => t.name === v && t.pageTable)).length * 2 + Object.values(l.situation).filter((v) => v.startsWith('PGT_') && v !== 'PGT_none').length;
  return [...lost].sort((a, b) => score(b) - score(a))[0]!;
}

function describe(lost: LostSituation): string {
  return Object.entries(lost.situation)
    .map(([input, value]) => (value === 'true' || value === 'false' ? `${input} is ${value}` : `${input} has type ${value}`))
    .join(', ');
}

/** Unchanged calls whose guard now reads differently, and removed/added pairs of the same call. */
function guardChanges(run: RunResult): GuardChange[] {
  const fnKey = functionKey;
  // Every guard under which each function flushes after the patch.
  const after = new Map<string, string[]>();
  for (const s of run.sites) {
    if (s.kind !== 'call' || (s.change !== 'added' && s.change !== 'unchanged')) continue;
    after.set(fnKey(s), [...(after.get(fnKey(s)) ?? []), guardText(read(chainOf(s)))]);
  }
  const out: GuardChange[] = [];
  for (const site of run.sites) {
    if (site.kind !== 'call' || site.change !== 'unchanged' || !site.previousGuard) continue;
    // An unchanged call keeps the updates above it unless a hunk removed them: the new side's are taken as the old side's.
    const change = compare(site, read(site.previousGuard), site.previousGuard.classes, read(chainOf(site)), after.get(fnKey(site)) ?? [], true);
    if (change) out.push(change);
  }
  // A call the patch rewrites keeps its text: its removed and added copies (rewritten-calls.ts).
  for (const { before: old, after: s } of rewrittenCalls(run, true)) {
    if (!chainOf(old)) continue;
    const change = compare(s, read(chainOf(old)), old.classes ?? [], read(chainOf(s)), after.get(fnKey(s)) ?? [], !!old.pageTableUpdates);
    if (change) out.push(change);
  }
  return out;
}
