/**
 * x86 flush flags that do work of their own on every CPU the flush reaches,
 * beyond dropping (non-global) TLB entries. A patch that drops one from a flush
 * other CPUs rely on leaves that work undone there, whatever the mechanism:
 * the flush-weakened rule (FC010) reads this table, and the flush model
 * reports which of these a call passes (bits evaluated through the definitions
 * in view, so a flag hidden in a macro or a helper counts by its value).
 * `FLUSH_TLB`, `FLUSH_VA_VALID`, the order bits and the assist-forcing flag are
 * not here: the first is the flush itself (narrowed scope is FC007's business),
 * the others change how, not what.
 */

export interface FlagWithWork {
  name: string;
  /** What a CPU that the flush reaches does for it, and what it keeps when the flag is dropped. */
  why: string;
}

export const FLAGS_WITH_WORK: readonly FlagWithWork[] = [
  {
    name: 'FLUSH_ROOT_PGTBL',
    why: 'with XPTI a PV guest runs on a per-CPU copy of its L4 table; the flag marks that copy stale so each CPU re-syncs it before it returns to the guest. Without it a CPU keeps running on the old root entries',
  },
  {
    name: 'FLUSH_TLB_GLOBAL',
    why: "translations of global mappings (Xen's own, _PAGE_GLOBAL) may survive a flush asked for with FLUSH_TLB only: an assisted flush can then drop non-global entries only, and INVLPG-style flushes honour the distinction",
  },
  {
    name: 'FLUSH_CACHE',
    why: "each CPU writes back and invalidates its data caches (CLFLUSH or WBINVD); without it dirty lines of the old contents stay in other CPUs' caches",
  },
  {
    name: 'FLUSH_VCPU_STATE',
    why: 'each CPU saves the lazily switched state of the vCPU it last ran, so the state in memory is current',
  },
  {
    name: 'FLUSH_HVM_ASID_CORE',
    why: 'each CPU retires the ASIDs/VPIDs of HVM guests, so guest-linear translations tagged with them are dropped',
  },
];

const BY_NAME = new Map(FLAGS_WITH_WORK.map((f) => [f.name, f]));

/** The table's entry for a flag name, if it has work of its own. */
export const flagWithWork = (name: string): FlagWithWork | undefined => BY_NAME.get(name);
