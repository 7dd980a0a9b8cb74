import { CPU_TLB, CPU_WMAP, CPU_WST, GA_TYPE, GA_TYPE_SHIFT, GB_GEN, T_PT, W_STALE, type ModelConfig } from './model.js';

/** The safety properties, as the issue defines them. P1–P3 hold in every reachable state; P4 is checked on every state with no successor. */
export const PROPERTIES = {
  P1: 'the walker never reads an entry from a frame that stopped being a page table, or was freed and reused, since it read the pointer to it',
  P2: 'before a frame is retyped or reused, no CPU that had to be flushed still caches a translation through it',
  P3: 'no CPU holds a writable mapping of a page-table frame',
  P4: 'no deadlock: every CPU can make progress until all actors are done',
} as const;

export type PropertyId = keyof typeof PROPERTIES;

/** 0 when P1–P3 hold in the state at `s[off..]`, else 1, 2 or 3 (the first that fails). */
export function violatedInvariant(config: ModelConfig, s: Uint8Array, off: number): number {
  const n = config.cpus;
  let stale = false;
  let cached = false;
  let writable = false;
  for (let c = 0; c < n; c++) {
    const b = s[off + c]!;
    if ((b & CPU_WST) === W_STALE) stale = true;
    if (b & CPU_TLB) cached = true;
    if (b & CPU_WMAP) writable = true;
  }
  if (stale) return 1;
  // Generation 1: F was retyped or reused. Any CPU still caching a translation through it missed the flush.
  if (cached && s[off + n + 1]! & GB_GEN) return 2;
  if (writable && (s[off + n]! & GA_TYPE) >> GA_TYPE_SHIFT === T_PT) return 3;
  return 0;
}
