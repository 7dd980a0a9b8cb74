import type { Arch, SimResult } from '../types.js';
import { explore } from './explorer.js';
import { flushSteps, type ConcreteFlush } from './mechanisms.js';
import { T_PT, type ModelConfig, type Op } from './model.js';
import { buildTrace } from './trace.js';

/**
 * A release that comes before its flush (FC009), replayed: F is a page-table frame
 * other CPUs still cache; the initiator releases it, and from then on its next owner
 * may take and write it at any step, before or after the flush that follows (both
 * orders are explored, as a branch of the program). The flush is the architecture's
 * own (an IPI flush on x86, a broadcast TLBI on Arm, a firmware fence on RISC-V):
 * the order is what fails, whatever the mechanism. P2 (no CPU still caches a
 * translation through F once it is reused) decides; `released: 'after-flush'` is
 * the order before the patch, which must be safe.
 */
export function simulateReleaseOrder(arch: Arch, cpus: number, released: 'before-flush' | 'after-flush'): SimResult {
  const flush: ConcreteFlush = arch === 'x86' ? 'ipi' : arch === 'arm' ? 'broadcast' : 'firmware';
  const program: Op[][] = [];
  const flushAt = (what: string): void => {
    for (const op of flushSteps(flush, program.length, 'initiator', false, what)) program.push([op]);
  };
  const reuse = (next: number): Op => ({ kind: 'retype-writable', actor: 'owner', label: 'the next owner takes F from the allocator and writes it', next });
  if (released === 'after-flush') {
    flushAt('the flush of F’s translations');
    program.push([{ kind: 'free', actor: 'initiator', label: 'F released (freed or returned to its pool)', next: program.length + 1 }]);
    program.push([reuse(program.length + 1)]);
  } else {
    program.push([{ kind: 'free', actor: 'initiator', label: 'F released (freed or returned to its pool) before the flush', next: program.length + 1 }]);
    // The next owner may come before the flush (alternative 1) or after it (the flush, then the reuse).
    const branch = program.length;
    program.push([]);
    const flushStart = program.length;
    flushAt('the flush of F’s translations, after the release');
    program.push([reuse(program.length + 1)]);
    const afterReuse = program.length;
    flushAt('the flush of F’s translations, after the reuse');
    program[branch] = [
      { kind: 'mark', actor: 'initiator', label: 'the flush starts before anyone takes F', next: flushStart },
      { ...reuse(afterReuse), label: 'the next owner takes F from the allocator and writes it before the flush' },
    ];
  }
  const config: ModelConfig = {
    cpus,
    walker: arch === 'arm' ? 'p2m-lock' : 'irq-masking',
    // The hazard here is the stale TLB entry, not a walk: no walker reads F.
    walkerSeesFrame: false,
    frame: { type: T_PT, linked: true, cached: true, writableMapped: false },
    program,
    secondFlusher: false,
  };
  const exploration = explore(config, { symmetry: true, stopAtViolation: true });
  return {
    safe: exploration.safe,
    states: exploration.states,
    transitions: exploration.transitions,
    trace: buildTrace(config, exploration, true),
    ...(exploration.property ? { property: exploration.property } : {}),
    ...(exploration.bound ? { bound: exploration.bound } : {}),
    scenario: released === 'before-flush' ? 'release before flush' : 'release after flush',
    cpus,
    notes: ['F is a page-table frame other CPUs still cache; after its release its next owner may take and write it at any step.'],
  };
}
