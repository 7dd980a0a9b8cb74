import { evaluateText, exact, truthOfAlts, type EvalEnv } from '../model/evaluate.js';

/**
 * Xen's `system_state` (enum system_state in xen/kernel.h, in this order in
 * every era the tool knows) and what each phase says about the CPU that runs
 * code there. Only the phases before SMP bring-up run with interrupts off as
 * a rule and with the boot CPU alone: `__start_xen()` enables interrupts late
 * in SYS_STATE_boot and only then brings up the other CPUs (SYS_STATE_smp_boot).
 * Suspend and resume turn interrupts off only inside enter_state()'s own
 * local_irq_save() region, which FC008 sees as a region: the state alone says
 * nothing there.
 */
export interface BootPhase {
  name: string;
  value: number;
  /** Interrupts are off for all of the phase (`always`), until late in it (`until-late`), or on as a rule. */
  irqsOff: 'always' | 'until-late' | 'no';
  /** Only the boot CPU runs: an IPI has no one to go to, and a flush should be local. */
  bootCpuOnly: boolean;
}

export const BOOT_PHASES: readonly BootPhase[] = [
  { name: 'SYS_STATE_early_boot', value: 0, irqsOff: 'always', bootCpuOnly: true },
  { name: 'SYS_STATE_boot', value: 1, irqsOff: 'until-late', bootCpuOnly: true },
  { name: 'SYS_STATE_smp_boot', value: 2, irqsOff: 'no', bootCpuOnly: false },
  { name: 'SYS_STATE_active', value: 3, irqsOff: 'no', bootCpuOnly: false },
  { name: 'SYS_STATE_suspend', value: 4, irqsOff: 'no', bootCpuOnly: false },
  { name: 'SYS_STATE_resume', value: 5, irqsOff: 'no', bootCpuOnly: false },
];

/** Where the table comes from, for a verdict's sources. */
export const BOOT_PHASES_SOURCE = 'built-in (enum system_state of xen/include/xen/kernel.h: early_boot, boot, smp_boot, active, suspend, resume)';

const STATE_VALUES = new Map(BOOT_PHASES.map((p) => [p.name, p.value]));

/** Long or many conditions are not worth six evaluations each: they say nothing here. */
const MAX_CONDITION = 2000;

/**
 * The phases in which every condition may hold (each evaluated with
 * `system_state` bound to the phase, other names unknown), or undefined when
 * none of them reads `system_state`: then the code does not choose by phase.
 */
export function phasesWhere(conditions: readonly string[]): BootPhase[] | undefined {
  const reading = conditions.filter((c) => c.length <= MAX_CONDITION && /\bsystem_state\b/.test(c));
  if (reading.length === 0) return undefined;
  return BOOT_PHASES.filter((phase) => {
    const env: EvalEnv = {
      identifier: (name) => {
        const v = name === 'system_state' ? phase.value : STATE_VALUES.get(name);
        return v === undefined ? undefined : [{ conds: [], value: exact(v) }];
      },
      defined: () => undefined,
      call: () => undefined,
    };
    return reading.every((c) => truthOfAlts(evaluateText(c, env)) !== false);
  });
}

/**
 * Phases a flush under these conditions runs in, when they confine it to boot:
 * a phase with the boot CPU alone and interrupts off reaches it, and the
 * running system (SYS_STATE_active) does not. Undefined otherwise.
 */
export function bootOnlyPhases(conditions: readonly string[]): BootPhase[] | undefined {
  const phases = phasesWhere(conditions);
  if (!phases || phases.some((p) => p.name === 'SYS_STATE_active')) return undefined;
  return phases.some((p) => p.bootCpuOnly && p.irqsOff !== 'no') ? phases : undefined;
}

/** Whether conditions let a boot phase with interrupts off reach the code (no condition: every phase does). */
export const reachesBoot = (conditions: readonly string[]): boolean => (phasesWhere(conditions) ?? BOOT_PHASES).some((p) => p.bootCpuOnly && p.irqsOff !== 'no');

/** `SYS_STATE_early_boot, SYS_STATE_boot` → `early_boot, boot`. */
export const phaseNames = (phases: readonly BootPhase[]): string => phases.map((p) => p.name.replace(/^SYS_STATE_/, '')).join(', ');
