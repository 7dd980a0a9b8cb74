import { firstWalker, type ModelConfig } from './model.js';

/**
 * Symmetry reduction: walker CPUs are interchangeable (same program, same start, and no
 * global field names a walker), so a state and any permutation of its walker bytes are
 * equivalent. The canonical representative sorts the walker bytes. The initiator (CPU 0)
 * and the second flusher (CPU 1) have their own roles and never move.
 */
export interface SymmetryGroup {
  from: number;
  to: number;
}

export function walkerGroup(config: ModelConfig): SymmetryGroup {
  return { from: firstWalker(config), to: config.cpus };
}

/** Sorts bytes [off+from, off+to) in place (insertion sort: at most 7 bytes). */
export function canonicalize(s: Uint8Array, off: number, group: SymmetryGroup): void {
  const lo = off + group.from;
  const hi = off + group.to;
  for (let i = lo + 1; i < hi; i++) {
    const v = s[i]!;
    let j = i - 1;
    while (j >= lo && s[j]! > v) {
      s[j + 1] = s[j]!;
      j--;
    }
    s[j + 1] = v;
  }
}
