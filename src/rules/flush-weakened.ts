import type { EvidenceStep, FlushModel, RunResult, Site } from '../types.js';
import { flagWithWork } from '../xen/flush-flags.js';
import { functionKey, rewrittenCalls } from './rewritten-calls.js';
import { defineRule } from './rule.js';

/**
 * FC010: a patch rewrites a flush that follows a page-table update in its
 * function (mod_l4_entry(), l1e_write(), …) and the rewritten call no longer
 * passes a flag with work of its own (src/xen/flush-flags.ts): FLUSH_ROOT_PGTBL,
 * FLUSH_TLB_GLOBAL, FLUSH_CACHE, … The flags are read through the flush model on
 * each side (macros and helpers expanded, values compared by bits), so a flag
 * moved into a macro of the same value is no change, and one hidden in a helper
 * counts. A flag that another flush of the function still passes after an update
 * is not lost. Narrowed conditions are FC006's (one finding per weakening). The
 * simulator models no root-table copy or global entry, so the rule stays a warning.
 */
export const flushWeakened = defineRule({
  meta: {
    id: 'FC010',
    name: 'flush-weakened',
    severity: 'warning',
    title: 'A flush after a page-table update lost a flag with work of its own',
    messages: {
      flagDropped:
        '{{api}} no longer passes {{flags}} after the page-table update `{{update}}` (line {{updateLine}}): before, `{{before}}`; now, `{{after}}`, and no other flush of {{function}} after an update passes it. On x86 that work is now left undone on the CPUs in {{mask}}: {{why}}',
      flushRemoved:
        'the patch removes `{{before}}`, which passed {{flags}} after the page-table update `{{update}}` (line {{updateLine}}); the flush that stays, `{{after}}`, does not pass it, nor does another flush of {{function}} after an update. On x86 that work is now left undone on the CPUs in {{mask}}: {{why}}',
    },
    docs: {
      summary:
        'Warns when a patch drops a flag with work of its own (FLUSH_ROOT_PGTBL, FLUSH_TLB_GLOBAL, FLUSH_CACHE, FLUSH_VCPU_STATE, FLUSH_HVM_ASID_CORE) from a flush that follows a page-table update in its function, and no other flush there still passes it.',
      x86: [
        'A flush after mod_l4_entry() or a write of a global mapping does more than drop TLB entries when its flags say so: FLUSH_ROOT_PGTBL makes every CPU running the PV guest re-sync its per-CPU copy of the root table (XPTI), FLUSH_TLB_GLOBAL drops translations of global mappings that a FLUSH_TLB-only flush (an assisted one in particular) may keep, FLUSH_CACHE writes back caches. Dropping the flag leaves that work undone on the other CPUs, whatever the mechanism.',
        "How it decides: the removed and added copies of a flush call in one function are paired (same text, then same API, then what is left, in line order). Each side's flags are evaluated through the flush model of that side (macros, inline helpers and locals expanded, values compared bit by bit): a flag the old call set (on every path, or on some path by a choice such as `c ? FLUSH_ROOT_PGTBL : 0`) that no flush of the function after a page-table update may still set is reported, on the added call (a removed call with no rewritten copy: on the flush that stays nearest below it). A narrowed condition is FC006's finding, not this rule's.",
        'What it cannot see: an update made by a caller, or below the flush in a loop; a flush removed without a rewritten copy (no pair); flags the model cannot evaluate (the rule then stays silent); whether another flush that passes the flag runs on every path (any one after an update counts); a macro whose definition the patch changes when the call is unchanged and no tree is given. The simulator does not model root-table copies, global entries or caches, so the finding is a warning, never an error.',
      ].join('\n\n'),
      arm: 'Arm has no FLUSH_* flags: what to invalidate is chosen by the TLBI operation (by VA, by ASID, by VMID, all) and caches by separate maintenance, so the rule does not fire there. The x86 finding means the rewritten call asks the other CPUs to do less than before after the same page-table update; on Arm the equivalent mistake is a TLBI by VA where one by VMID (or ASID) was needed.',
      bad: [
        'static int set_root_slot(struct domain *d, l4_pgentry_t *pl4e, l4_pgentry_t nl4e,',
        '                         mfn_t mfn, struct vcpu *v)',
        '{',
        '    int rc = mod_l4_entry(pl4e, nl4e, mfn, 0, v);',
        '',
        '    if ( !rc )',
        '        flush_tlb_mask(d->dirty_cpumask);',
        '',
        '    return rc;',
        '}',
      ].join('\n'),
      good: [
        'static int set_root_slot(struct domain *d, l4_pgentry_t *pl4e, l4_pgentry_t nl4e,',
        '                         mfn_t mfn, struct vcpu *v)',
        '{',
        '    int rc = mod_l4_entry(pl4e, nl4e, mfn, 0, v);',
        '',
        '    if ( !rc )',
        '        flush_mask(d->dirty_cpumask, FLUSH_TLB | FLUSH_ROOT_PGTBL);',
        '',
        '    return rc;',
        '}',
      ].join('\n'),
    },
  },
  check(run) {
    return droppedFlags(run).map(({ before, beforeText, after, dropped, outright }) => {
      const update = after.pageTableUpdates!.at(-1)!;
      const at: EvidenceStep = { file: after.file, line: after.line, function: after.function, message: `flush without ${dropped.join(', ')}: ${after.text}` };
      const was: EvidenceStep[] = before ? [{ file: before.file, line: before.line, function: before.function, message: `before the patch: ${before.text}` }] : [];
      return {
        ...(outright ? { messageId: 'flushRemoved' as const } : { messageId: 'flagDropped' as const }),
        data: {
          api: after.api,
          flags: dropped.join(', '),
          update: update.message.replace(/^[^:]*: /, ''),
          updateLine: String(update.line),
          before: beforeText,
          after: after.text,
          function: after.function ?? 'the function',
          why: dropped.map((f) => `${f}: ${flagWithWork(f)?.why ?? 'it has work of its own'}`).join('; '),
          mask: maskOf(after),
        },
        site: after,
        arch: 'x86' as const,
        related: [...after.pageTableUpdates!, ...was, at],
        fix: `Keep ${dropped.join(', ')} in the flush that follows the update (or pass it in another flush of the same CPUs after the update, on every path).`,
      };
    });
  },
});

function maskOf(site: Site): string {
  if (site.api === 'flush_tlb_all' || site.api === 'flush_all') return 'cpu_online_map';
  return site.args?.[site.api === 'guest_flush_tlb_mask' ? 1 : 0] ?? 'the mask';
}

const flushes = (m: FlushModel | undefined): boolean => !!m && m.mechanism !== 'none';

interface Dropped {
  /** The removed copy, when the call was rewritten; none when a definition it uses changed. */
  before?: Site;
  beforeText: string;
  after: Site;
  dropped: string[];
  /** The flush that passed the flags was removed, not rewritten; `after` is one that stays. */
  outright?: boolean;
}

function droppedFlags(run: RunResult): Dropped[] {
  // The flushes each function makes after a page-table update, once the patch is applied.
  const later = new Map<string, Site[]>();
  for (const s of run.sites) {
    if (s.kind !== 'call' || s.change === 'removed' || !s.pageTableUpdates || !flushes(s.arch?.x86)) continue;
    later.set(functionKey(s), [...(later.get(functionKey(s)) ?? []), s]);
  }
  for (const list of later.values()) list.sort((a, b) => a.line - b.line);
  const lost = (was: FlushModel | undefined, after: Site): string[] => {
    // A flag the old flush set on some path (`c ? FLUSH_ROOT_PGTBL : 0`) is lost in that situation.
    const always = was?.flagsWithWork?.some ?? [];
    if (always.length === 0 || !after.pageTableUpdates) return [];
    const kept = later.get(functionKey(after)) ?? [];
    // A flush whose flags the model cannot tell may pass any of them.
    if (kept.some((s) => !s.arch?.x86?.flagsWithWork)) return [];
    return always.filter((f) => !kept.some((s) => s.arch!.x86!.flagsWithWork!.maybe.includes(f)));
  };
  const out: Dropped[] = [];
  const pairs = rewrittenCalls(run, false);
  for (const { before, after } of pairs) {
    if (!before.pageTableUpdates) continue;
    const dropped = lost(before.arch?.x86, after);
    if (dropped.length) out.push({ before, beforeText: before.text, after, dropped });
  }
  // A flush removed outright (`flush_root_pgtbl_domain(d)` beside a plain flush that stays):
  // the function still flushes after the update, with less. Reported on the flush that stays
  // nearest below it, once per flag and flush.
  const paired = new Set(pairs.map((p) => p.before));
  for (const before of run.sites) {
    if (before.kind !== 'call' || before.change !== 'removed' || paired.has(before) || !before.pageTableUpdates) continue;
    const kept = later.get(functionKey(before)) ?? [];
    const after = kept.find((s) => s.line >= before.line) ?? kept.at(-1);
    if (!after) continue;
    const dropped = lost(before.arch?.x86, after).filter((f) => !out.some((o) => o.after === after && o.dropped.includes(f)));
    if (dropped.length) out.push({ before, beforeText: before.text, after, dropped, outright: true });
  }
  // A call the patch leaves whose definition it changes: the model before the change is `previous`.
  for (const s of run.sites) {
    if (s.kind !== 'call' || s.change !== 'tree') continue;
    const dropped = lost(s.arch?.x86?.previous, s);
    if (dropped.length) out.push({ beforeText: `${s.text} as defined before the patch`, after: s, dropped });
  }
  return out;
}
