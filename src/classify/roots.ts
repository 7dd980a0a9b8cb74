import type { EvidenceStep, ExtraRoots, FunctionFacts, RootClass } from '../types.js';
import { BOOKKEEPING_CALLS } from '../xen/flush-api.js';
import { BUILTIN_ROOT_REASON, BUILTIN_ROOTS } from '../xen/roots.js';
import type { CallGraph } from './call-graph.js';

/**
 * Roots: the functions whose flushes have a class of their own, found from the
 * code they contain:
 * - page-type change: writes a page's `type_info` and changes the type under
 *   `PGT_type_mask` (`_get_page_type`);
 * - allocation: consumes the freed-page TLB bookkeeping (calls
 *   `accumulate_tlbflush`, tests a `need_tlbflush` flag) (`alloc_heap_pages`);
 * - deferred allocation flush: sets or passes `MEMF_no_tlbflush`, so it owes
 *   the flush the allocator skipped (`populate_physmap`).
 * When a function's body is not in view (a hunk shows part of it, and no
 * --tree), what the part shows counts, and built-in knowledge of Xen names the
 * rest; configuration adds roots by name.
 */

export const ROOT_CLASSES: readonly RootClass[] = ['page-type-change', 'allocation', 'deferred-allocation-flush'];

export interface Root {
  class: RootClass;
  /** Root first. */
  steps: EvidenceStep[];
  source: 'code' | 'built-in' | 'config';
}

const byLine = (a: EvidenceStep, b: EvidenceStep): number => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line);

function merged(defs: readonly FunctionFacts[], key: 'typeInfoWrites' | 'typeMaskWrites' | 'bookkeeping' | 'noTlbflushSets'): EvidenceStep[] {
  return defs.flatMap((d) => d[key]).sort(byLine);
}

/** The first allocation a MEMF_no_tlbflush owner makes with those flags, from its flow graph. */
function allocationStep(defs: readonly FunctionFacts[]): EvidenceStep | undefined {
  for (const d of defs) {
    const node = d.flow?.nodes.filter((n) => n.allocates && !n.setsNoTlbflush).sort((a, b) => a.line - b.line)[0];
    if (node) return { file: d.file, line: node.line, function: d.name, message: `allocates with those flags: ${node.text}` };
  }
  return undefined;
}

export class Roots {
  private readonly cache = new Map<string, Root[]>();
  constructor(
    private readonly graph: CallGraph,
    private readonly extra: ExtraRoots = {},
  ) {}

  isRoot(name: string): boolean {
    return this.of(name).length > 0;
  }

  /** The root classes of a function, with the steps that justify each; a
   *  `MEMF_no_tlbflush` owner is not also an allocation root (its flush is the deferred one). */
  of(name: string): Root[] {
    let roots = this.cache.get(name);
    if (!roots) {
      roots = this.find(name);
      this.cache.set(name, roots);
    }
    return roots;
  }

  private find(name: string): Root[] {
    // The bookkeeping itself (accumulate_tlbflush) is what allocators use, not an allocator.
    if (BOOKKEEPING_CALLS.includes(name)) return [];
    const defs = this.graph.definitions(name);
    const whole = defs.some((d) => !d.partial);
    const where = defs[0];
    const found = new Map<RootClass, Root>();

    const typeInfo = merged(defs, 'typeInfoWrites');
    const typeMask = merged(defs, 'typeMaskWrites');
    if (typeInfo.length > 0 && typeMask.length > 0) found.set('page-type-change', { class: 'page-type-change', steps: [typeMask[0]!, typeInfo[0]!].sort(byLine), source: 'code' });
    // A hunk that shows the retype under PGT_type_mask but not the type_info
    // store (a cmpxchg further down) still shows a page-type change.
    else if (!whole && typeMask.length > 0)
      found.set('page-type-change', { class: 'page-type-change', steps: [{ ...typeMask[0]!, message: `${typeMask[0]!.message} (the type_info update itself is not in view)` }], source: 'code' });

    const sets = merged(defs, 'noTlbflushSets');
    const bookkeeping = merged(defs, 'bookkeeping');
    if (sets.length > 0) {
      const steps = [sets[0]!];
      const allocation = allocationStep(defs);
      if (allocation) steps.push(allocation);
      const accumulates = bookkeeping.find((s) => s.line >= (allocation?.line ?? sets[0]!.line)) ?? bookkeeping[0];
      if (accumulates) steps.push(accumulates);
      found.set('deferred-allocation-flush', { class: 'deferred-allocation-flush', steps, source: 'code' });
    } else if (bookkeeping.length > 0) {
      found.set('allocation', { class: 'allocation', steps: [bookkeeping[0]!], source: 'code' });
    }

    // What the code cannot show: built-in knowledge for bodies not in view, then configuration.
    for (const cls of ROOT_CLASSES) {
      const builtin = !whole && BUILTIN_ROOTS[cls].includes(name);
      const configured = this.extra[cls]?.includes(name) ?? false;
      if (!builtin && !configured) continue;
      const existing = found.get(cls);
      if (existing && existing.source === 'code' && cls !== 'deferred-allocation-flush') continue;
      const message = configured
        ? `${name} is configured as a ${cls} root (roots in .flushcheck.json)`
        : `${name} ${BUILTIN_ROOT_REASON[cls]} (built-in knowledge of Xen: that part of its body is not in view; --tree shows it)`;
      const step: EvidenceStep = { file: where?.file ?? '', line: where?.line ?? 0, function: name, message };
      // Seen evidence stays in the chain after the named reason (the hunk's need_tlbflush).
      const seen = existing?.steps ?? (cls === 'deferred-allocation-flush' ? (found.get('allocation')?.steps ?? []) : []);
      found.set(cls, { class: cls, steps: [step, ...seen.filter((s) => s !== step)], source: configured ? 'config' : 'built-in' });
    }
    if (found.has('deferred-allocation-flush')) found.delete('allocation');
    return ROOT_CLASSES.filter((c) => found.has(c)).map((c) => found.get(c)!);
  }
}
