import type { Arch, Mechanism } from '../types.js';
import type { Actor, Op } from './model.js';

/** What a flush does in the machine, once the mechanism's choice is made. */
export type ConcreteFlush =
  /** Set pending on every target, wait for every acknowledgement (flush_lock held). */
  | 'ipi'
  /** x86 nested: L0 hypercall (or INVLPGB) drops remote entries at once, no target cooperation. */
  | 'assisted'
  /** Arm TLBI broadcast: complete at the DSB barrier, no IPI. */
  | 'broadcast'
  /** RISC-V SBI remote fence: firmware reaches the targets whatever their interrupt flag. */
  | 'firmware'
  | 'none';

export const CONCRETE_FLUSHES: readonly ConcreteFlush[] = ['ipi', 'assisted', 'broadcast', 'firmware', 'none'];

/** One way a mechanism can behave at run time. */
export interface Outcome {
  flush: ConcreteFlush;
  /** For `conditional`: the value of the mechanism's condition in this outcome. */
  conditionValue?: boolean;
  /** When this outcome happens, in words (used as `failsWhen`). */
  when: string;
}

/**
 * The behaviours a flush model's mechanism allows. Mechanisms with a run-time choice
 * (`assisted-possible`, `conditional`, `unknown`) give every outcome: each is simulated.
 */
export function outcomesOf(mechanism: Mechanism, condition?: string): Outcome[] {
  switch (mechanism) {
    case 'ipi':
      return [{ flush: 'ipi', when: 'always (IPI flush)' }];
    case 'forced-ipi':
      return [{ flush: 'ipi', when: 'always (IPI forced)' }];
    case 'assisted-possible':
      return [
        { flush: 'ipi', when: 'on bare metal (no assisted flush available)' },
        { flush: 'assisted', when: 'running nested, where the L0 assisted flush is used' },
      ];
    case 'conditional': {
      const cond = condition ? `\`${condition}\`` : 'the forcing condition';
      return [
        { flush: 'ipi', conditionValue: true, when: `${cond} is true (IPI forced)` },
        { flush: 'assisted', conditionValue: false, when: `${cond} is false (assisted flush allowed, running nested)` },
      ];
    }
    case 'broadcast':
      return [{ flush: 'broadcast', when: 'always (broadcast TLB invalidation)' }];
    case 'firmware':
      return [{ flush: 'firmware', when: 'always (firmware remote fence)' }];
    case 'none':
      return [{ flush: 'none', when: 'always (no flush on this architecture)' }];
    // A stub that traps never completes a flush; verdict.ts judges it before simulating.
    case 'not-implemented':
      return [{ flush: 'none', when: 'never: the call traps (not implemented on this port)' }];
    case 'unknown':
      return [
        { flush: 'ipi', when: 'if the flush sends IPIs' },
        { flush: 'assisted', when: 'if the flush completes without the targets (assisted)' },
      ];
  }
}

/** The flush this architecture uses when nothing forces an IPI. */
export function unforcedFlush(arch: Arch): ConcreteFlush {
  switch (arch) {
    case 'x86':
      return 'assisted';
    case 'arm':
      return 'broadcast';
    case 'riscv':
      return 'firmware';
    case 'ppc':
      return 'ipi';
  }
}

export function isForced(mechanism: Mechanism): boolean {
  return mechanism === 'forced-ipi';
}

const LABELS: Record<Exclude<ConcreteFlush, 'none'>, string> = {
  ipi: 'IPI flush',
  assisted: 'assisted flush (L0 hypercall): remote TLB entries dropped at once, no wait on the targets',
  broadcast: 'TLBI broadcast + DSB: every TLB invalidated when the barrier completes',
  firmware: 'SBI remote fence: firmware flushes the targets',
};

/**
 * The initiator steps of one flush, starting at pc `at` and continuing at `next` when done.
 * Returns the steps in pc order (one alternative each).
 */
export function flushSteps(flush: ConcreteFlush, at: number, actor: Actor, filtered: boolean, what: string): Op[] {
  const f = filtered ? { filtered: true } : {};
  switch (flush) {
    case 'none':
      return [];
    case 'ipi':
      return [
        { kind: 'ipi-send', actor, label: `${what}: ${LABELS.ipi}: take flush_lock, send flush IPIs${filtered ? ' to the filtered mask' : ''}, flush locally`, next: at + 1, ...f },
        { kind: 'ipi-wait', actor, label: `${what}: every target acknowledged: release flush_lock`, next: at + 2 },
      ];
    default:
      return [{ kind: 'remote-drop', actor: flush === 'broadcast' ? 'hw' : actor, label: `${what}: ${LABELS[flush]}`, next: at + 1, ...f }];
  }
}
