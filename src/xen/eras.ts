import type { FileDiff, PatchEra } from '../types.js';

/**
 * Xen's flush API through time, for reviews without a tree: built-in
 * knowledge has to be knowledge of the patch's era, not of today's Xen.
 * Dates are when the change reached Xen's development tree (month precision
 * is all the placement needs). The 4.17 tree bounds them: its CHANGELOG dates
 * 4.14.0 2020-07-23 (the assisted flush and its fix both came before it),
 * 4.16.0 2021-12-02 and lists out-of-tree hypervisor builds (the series
 * that moved the asm headers) under 4.17; the FLUSH_FORCE_IPI rename was
 * posted for review (v3) on 2022-05-25, as a patch to the new header path.
 */

export type XenEraId = PatchEra['era'];

export interface XenEra {
  id: XenEraId;
  /** In words, for reports. */
  name: string;
  /** First month of the era (`YYYY-MM`), absent for the first. */
  since?: string;
  /** flush_area_mask() may complete a remote flush without an IPI. */
  assisted: boolean;
  /** The flag that rules out the assisted path, if the era has one. */
  forcingFlag?: 'FLUSH_FORCE_IPI' | 'FLUSH_NO_ASSIST';
  /** How to force the IPI in that era's words (suggested fixes). */
  fix: string;
}

export const XEN_ERAS: readonly XenEra[] = [
  {
    id: 'before-assisted',
    name: 'before the assisted flush (before 2020-04): every remote flush is an IPI',
    assisted: false,
    fix: 'Nothing to force in this era: flush_area_mask() always sends IPIs; if the patch is meant for a later tree, review it with --tree.',
  },
  {
    id: 'assisted-unforced',
    name: 'the 2020 window (2020-04 to 2020-06): assisted flushes, no way yet to force an IPI',
    since: '2020-04',
    assisted: true,
    fix: 'Force the IPI on this path: this tree has no forcing flag yet; the fix of 2020-06 added FLUSH_FORCE_IPI and arch_flush_tlb_mask(), use them or carry that fix.',
  },
  {
    id: 'force-ipi',
    name: 'FLUSH_FORCE_IPI (2020-06 to mid-2022)',
    since: '2020-06',
    assisted: true,
    forcingFlag: 'FLUSH_FORCE_IPI',
    fix: 'Force the IPI on this path: call arch_flush_tlb_mask() (or a helper that adds FLUSH_FORCE_IPI), pass the forcing argument to a helper that takes one, or add FLUSH_FORCE_IPI to the flags.',
  },
  {
    id: 'no-assist',
    name: 'FLUSH_NO_ASSIST (mid-2022 and later)',
    since: '2022-06',
    assisted: true,
    forcingFlag: 'FLUSH_NO_ASSIST',
    fix: 'Force the IPI on this path: call arch_flush_tlb_mask() (or the helper that adds FLUSH_NO_ASSIST), pass the forcing argument to a helper that takes one, or add FLUSH_NO_ASSIST to the flags.',
  },
];

/** When each part of the API appeared, as built-in knowledge states it (docs, reports). */
export const XEN_FLUSH_HISTORY: readonly { since: string; change: string }[] = [
  { since: '2020-04', change: 'flush_area_mask() takes the assisted path (hypervisor_flush_tlb) for TLB-only flags when Xen runs nested' },
  { since: '2020-06', change: 'FLUSH_FORCE_IPI and arch_flush_tlb_mask() force the IPI (the fix of the 2020 regression)' },
  { since: '2022-01', change: 'asm headers move from xen/include/asm-<arch>/ to xen/arch/<arch>/include/asm/ (released in 4.17)' },
  { since: '2022-06', change: 'FLUSH_FORCE_IPI renamed FLUSH_NO_ASSIST (it rules out assistance; it does not send IPIs by itself)' },
];

export const eraById = (id: XenEraId): XenEra => XEN_ERAS.find((e) => e.id === id)!;

/** The era today's built-in model describes. */
export const CURRENT_ERA: XenEraId = 'no-assist';

export type EraPlacement = PatchEra;

/** The era a `YYYY-MM-DD…` or RFC 2822 date falls in; undefined when it does not parse. */
export function eraOfDate(date: string): XenEraId | undefined {
  const ms = Date.parse(date);
  if (Number.isNaN(ms)) return undefined;
  const month = new Date(ms).toISOString().slice(0, 7);
  let found: XenEraId = 'before-assisted';
  for (const era of XEN_ERAS) if (era.since && month >= era.since) found = era.id;
  return found;
}

const order = (id: XenEraId): number => XEN_ERAS.findIndex((e) => e.id === id);

/**
 * Places a patch in an era from what it shows: the names its lines use
 * (FLUSH_NO_ASSIST, FLUSH_FORCE_IPI, arch_flush_tlb_mask), its header paths
 * (the 2022 layout, or the old one), and its date as the last resort.
 */
export function placeEra(files: readonly FileDiff[], date: string | undefined): EraPlacement {
  const paths = files.flatMap((f) => [f.oldPath, f.newPath]).filter((p): p is string => !!p);
  const text = files.flatMap((f) => f.hunks.flatMap((h) => h.lines.map((l) => l.text))).join('\n');
  const newLayout = paths.find((p) => /^xen\/arch\/[^/]+\/include\/asm\//.test(p));
  const oldLayout = paths.find((p) => /^xen\/include\/asm-[^/]+\//.test(p));
  const byDate = date ? eraOfDate(date) : undefined;
  if (/\bFLUSH_NO_ASSIST\b/.test(text)) return { era: 'no-assist', from: 'patch', reason: 'the patch uses FLUSH_NO_ASSIST (mid-2022 and later)' };
  const forcingName = /\bFLUSH_FORCE_IPI\b/.exec(text)?.[0];
  if (newLayout && forcingName) return { era: 'force-ipi', from: 'patch', reason: `the patch uses ${forcingName} and touches ${newLayout} (2022, before the rename)` };
  // The header move (early 2022) came a few months before the rename: a date inside that window decides.
  if (newLayout && byDate && order(byDate) <= order('force-ipi'))
    return { era: 'force-ipi', from: 'date', reason: `the patch touches ${newLayout} (header layout of 2022 and later) and is dated ${date}, before FLUSH_NO_ASSIST` };
  if (newLayout) return { era: 'no-assist', from: 'patch', reason: `the patch touches ${newLayout} (header layout of 2022 and later)` };
  const forcing = forcingName ?? /\barch_flush_tlb_mask\b/.exec(text)?.[0];
  if (forcing) {
    // FLUSH_FORCE_IPI is from 2020-06 to mid-2022; arch_flush_tlb_mask() alone is 2020-06 or later.
    if (forcingName) return { era: 'force-ipi', from: 'patch', reason: `the patch uses ${forcing} (2020-06 to mid-2022${oldLayout ? `; ${oldLayout} is the layout before 2022` : ''})` };
    if (!oldLayout && byDate && order(byDate) > order('force-ipi')) return { era: byDate, from: 'date', reason: `the patch uses ${forcing} (2020-06 and later) and is dated ${date}` };
    return { era: 'force-ipi', from: 'patch', reason: `the patch uses ${forcing} (2020-06 and later${oldLayout ? `; ${oldLayout} is the layout before 2022` : ''})` };
  }
  if (byDate) {
    // The old layout caps the era at 2022; the date places it within.
    const era = oldLayout && order(byDate) > order('force-ipi') ? 'force-ipi' : byDate;
    return { era, from: 'date', reason: `the patch is dated ${date}${oldLayout ? ` and touches ${oldLayout}` : ''}` };
  }
  if (oldLayout) return { era: 'force-ipi', from: 'assumed', reason: `${oldLayout} is the layout before 2022, but nothing shows which side of 2020 the patch is from; assumed 2020-06 to 2022` };
  return { era: CURRENT_ERA, from: 'assumed', reason: "nothing in the patch shows its era; assumed today's Xen" };
}
