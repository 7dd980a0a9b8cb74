import type { Arch, ArchResult, RunResult, Site } from '../types.js';
import { BOOT_PHASES, phaseNames, phasesWhere, reachesBoot } from '../xen/boot-phases.js';
import { defineRule } from './rule.js';
import { rewrittenCalls } from './rewritten-calls.js';

/** The mask a flush API takes, by where it is among the arguments; the rest are named below. */
const MASK_ARGUMENT: Readonly<Record<string, number>> = { guest_flush_tlb_mask: 1 };

function maskOf(site: Site): string {
  if (site.api === 'flush_tlb_all') return 'cpu_online_map (every online CPU)';
  if (site.api === 'filtered_flush_tlb_mask') return `cpu_online_map filtered by the stamp ${site.args?.[0] ?? ''}`.trim();
  const arg = site.args?.[MASK_ARGUMENT[site.api] ?? 0];
  return arg ? arg : 'the CPUs the helper flushes';
}

/** A mask that names this CPU only: the flush is local and waits for nobody. */
const localOnly = (mask: string): boolean => /^(?:cpumask_of\s*\(\s*smp_processor_id\s*\(\s*\)\s*\)|cpumask_of\s*\(\s*cpu\s*\))$/.test(mask);

const deadlocks = (result: ArchResult | undefined): boolean => !!result?.irqOff && !result.irqOff.safe && !result.irqOff.bound && result.irqOff.property === 'P4';

/**
 * FC008: a flush towards other CPUs that may wait for their IPI acknowledgements
 * must not start with interrupts off. The classifier finds the interrupts-off
 * regions on the function's control-flow graph (classify/irq-off.ts); the
 * simulator replays the site's mechanism with the initiator's interrupts off
 * beside a second flusher (sim/irq-off.ts). An error needs both: a disable in
 * the site's own function that reaches it, and a deadlock in the simulation.
 * Reachability alone (a caller's lock, a mechanism the model cannot tell) is a
 * warning.
 */
export const ipiFlushIrqsOff = defineRule({
  meta: {
    id: 'FC008',
    name: 'ipi-flush-irqs-off',
    severity: 'error',
    title: 'An IPI flush of other CPUs started with interrupts off',
    messages: {
      deadlock:
        '{{api}} flushes {{mask}} with interrupts off ({{off}} at line {{offLine}}, not yet re-enabled on some path): on {{arch}} it sends IPIs and waits for them{{when}}, so it deadlocks against a CPU that holds the flush lock and waits for this one, and trips ASSERT(local_irq_is_enabled()) in flush_area_mask',
      viaCaller:
        '{{api}} flushes {{mask}}, and {{caller}} calls {{function}} with interrupts off ({{off}} at line {{offLine}}): on {{arch}} the flush sends IPIs and waits for them{{when}}, so it cannot complete from there',
      inferred:
        '{{api}} flushes {{mask}}, and {{function}} turns interrupts on after it ({{off}} at line {{offLine}}) with no disable in view before the flush: they were off there (disabled above the code in view, by a caller or by the hardware), and on {{arch}} the flush sends IPIs and waits for them{{when}}, so it cannot complete',
      bootPhase:
        '{{api}} flushes {{mask}} only while system_state is {{phases}} ({{guard}}): before SMP bring-up interrupts are off and only the boot CPU runs, and on {{arch}} the flush sends IPIs and waits for them{{when}}, so it trips ASSERT(local_irq_is_enabled()) in flush_area_mask or waits for an acknowledgement that cannot come; flush_tlb_local() is the flush for that phase',
      bootGuardDropped:
        '{{api}} flushes {{mask}}, which ran only while system_state was {{before}} ({{beforeGuard}} at line {{beforeLine}}); now it also runs in {{now}}, where interrupts are off and only the boot CPU runs, and on {{arch}} it sends IPIs and waits for them there',
      undecided: '{{api}} flushes {{mask}} with interrupts off ({{off}} at line {{offLine}}) and the model cannot tell whether it sends IPIs on {{arch}}: if it does, it deadlocks',
    },
    docs: {
      summary:
        'Reports a flush of other CPUs that may wait for IPIs and starts with interrupts off: after local_irq_disable()/local_irq_save() or spin_lock_irq()/spin_lock_irqsave() and before the matching enable, restore or unlock, on some path (error when simulated to deadlock), or in a function called in such a region (warning); and a flush of other CPUs that its guards on system_state confine to the boot phases, where interrupts are off and only the boot CPU runs, or whose system_state guard that kept it out of them a patch drops.',
      x86: [
        'An IPI flush sends INVALIDATE_TLB_VECTOR under flush_lock and spins until every target acknowledged. With interrupts off, a CPU holding flush_lock and waiting for our acknowledgement while we spin on the lock deadlocks us both; flush_area_mask() asserts local_irq_is_enabled() for a remote flush. An assisted flush does not wait, but on bare metal the same call is an IPI flush.',
        "How it decides: a forward \"may\" data flow on the function's control-flow graph (the one FC003 uses). local_irq_disable() and spin_lock_irq() open a region any enable closes; local_irq_save(f) and spin_lock_irqsave(l, f) one that the restore of the same f closes; ASSERT(!local_irq_is_enabled()) opens one too. A flush reached while a region is open is replayed with the simulator's `initiator-irq-off` mutation: error when it deadlocks. Warnings: a caller (one level up) calls the function in such a region, or an enable, restore or unlock follows the flush with no disable in view (above the hunk, in a caller, or the hardware's). Boot phases: the site's guards that read system_state are evaluated (the value analysis of src/model/evaluate.ts) with system_state bound to each value of the enum (src/xen/boot-phases.ts: early_boot and boot run with interrupts off and the boot CPU alone, smp_boot on have them on); a flush that SYS_STATE_early_boot or SYS_STATE_boot reaches and SYS_STATE_active does not (`system_state < SYS_STATE_active`, `== SYS_STATE_early_boot`, `!= SYS_STATE_active`) is replayed like one in a region and reported as a warning, never an error: before SYS_STATE_smp_boot only the boot CPU is online, so a mask of online CPUs may hold no other CPU and Xen then flushes locally, while the replay assumes a second CPU. `>= SYS_STATE_smp_boot` or `>= SYS_STATE_active` and their rewrites (`!(system_state < SYS_STATE_active)`) stay silent. A rewritten or unchanged call whose old guard kept every boot phase out and whose new one lets one in is a warning (the dropped guard). Local flushes (flush_tlb_local(), a mask of cpumask_of(smp_processor_id())) are not reported.",
        'What it cannot see: callers more than one level up; interrupts off by the hardware with no enable in the function; a system_state test that is not an enclosing if or ?: of the flush (an early return or goto above it, a switch on system_state, a variable that holds the test in a whole-tree scan), or one in a caller; the guards of an else-if chain as the site collector lists them; that a mask of cpu_online_map holds only the boot CPU before SMP bring-up (reported all the same); lock wrappers outside the spin/rw lock and local_irq families; flags passed to another function.',
      ].join('\n\n'),
      arm: "On Arm the flush is a broadcast TLBI and DSB: every TLB is invalidated without any CPU taking an interrupt, so a flush with interrupts off completes and there is no deadlock; the rule does not fire there (the simulation completes). Common code is still wrong on x86, hence the x86 finding. RISC-V's firmware remote fence needs no interrupt on the targets either.",
      bad: [
        'static void release_frames(struct domain *d, cpumask_t *mask)',
        '{',
        '    unsigned long flags;',
        '',
        '    spin_lock_irqsave(&d->page_alloc_lock, flags);',
        '    drop_frame_list(d);',
        '    flush_tlb_mask(mask);',
        '    spin_unlock_irqrestore(&d->page_alloc_lock, flags);',
        '}',
      ].join('\n'),
      good: [
        'static void release_frames(struct domain *d, cpumask_t *mask)',
        '{',
        '    unsigned long flags;',
        '',
        '    spin_lock_irqsave(&d->page_alloc_lock, flags);',
        '    drop_frame_list(d);',
        '    spin_unlock_irqrestore(&d->page_alloc_lock, flags);',
        '',
        '    flush_tlb_mask(mask);',
        '}',
      ].join('\n'),
    },
  },
  check(run) {
    const out = [];
    // A helper's flush reached from a caller's region is left to that caller when its call is itself a reported site.
    const offInOwnFunction = new Set(run.sites.filter((s) => s.irqOff?.via === 'function').map((s) => `${s.file}:${s.line}`));
    for (const site of run.sites) {
      const callerStep = site.irqOff?.via === 'caller' ? site.irqOff.steps[1] : undefined;
      if (callerStep && offInOwnFunction.has(`${callerStep.file}:${callerStep.line}`)) continue;
      if (site.kind !== 'call' || !site.irqOff || !site.arch || site.change === 'removed') continue;
      const mask = maskOf(site);
      if (localOnly(mask)) continue;
      for (const arch of run.settings.arches) {
        const result = site.arch[arch];
        if (!result || !deadlocks(result)) continue;
        const sim = result.irqOff!;
        const inferred = site.irqOff.via === 'later-enable';
        const off = site.irqOff.steps[inferred ? 1 : 0]!;
        const offText = off.message.replace(/^[^:]*: /, '');
        const when = sim.failsWhen ? ` (${sim.failsWhen})` : '';
        const data: Record<string, string> = { api: site.api, mask, arch: archName(arch), off: offText, offLine: String(off.line), when };
        const common = {
          site,
          arch,
          related: site.irqOff.steps,
          trace: sim.trace,
          fix: 'Flush after the matching enable, restore or unlock (collect what to flush under the lock), or use a local flush if only this CPU needs it.',
        };
        if (site.irqOff.via === 'boot-phase') {
          const phases = phaseNames(BOOT_PHASES.filter((p) => site.irqOff!.phases?.includes(p.name)));
          out.push({
            ...common,
            fix: 'Flush locally in the boot phases (flush_tlb_local(), as the code for SYS_STATE_early_boot does) and keep the remote flush for system_state >= SYS_STATE_smp_boot.',
            messageId: 'bootPhase' as const,
            data: { ...data, phases, guard: site.irqOff.guard ?? '' },
            // Never an error: before smp_boot only the boot CPU is online, so a mask of online CPUs
            // may hold no other CPU and the flush runs locally; the replay assumes a second CPU.
            severity: 'warning' as const,
          });
        } else if (inferred) {
          out.push({ ...common, messageId: 'inferred' as const, data: { ...data, function: site.function ?? '' }, severity: 'warning' as const });
        } else if (site.irqOff.via === 'caller') {
          out.push({ ...common, messageId: 'viaCaller' as const, data: { ...data, caller: off.function ?? 'a caller', function: site.function ?? '' }, severity: 'warning' as const });
        } else if (result.mechanism === 'unknown') {
          out.push({ ...common, messageId: 'undecided' as const, data, severity: 'warning' as const });
        } else {
          out.push({ ...common, messageId: 'deadlock' as const, data });
        }
      }
    }
    out.push(...droppedBootGuards(run));
    return out;
  },
});

/** x86 mechanisms that may send IPIs and wait for them. */
const MAY_WAIT = new Set(['ipi', 'forced-ipi', 'assisted-possible', 'conditional', 'unknown']);

/**
 * A remote flush whose old guard on system_state kept it out of the boot phases
 * and whose new guard (or none) lets them in: a rewritten copy of the call, or an
 * unchanged call whose enclosing guard the patch changed. Not simulated (the
 * site's new guard alone does not confine it to boot): a warning.
 */
function droppedBootGuards(run: RunResult) {
  const pairs = [
    // The same API only: another flush added beside a removed one is not its rewrite.
    ...rewrittenCalls(run, false)
      .filter(({ before, after }) => before.api === after.api)
      .map(({ before, after }) => ({ beforeGuards: before.guards, beforeLine: before.line, after })),
    ...run.sites.flatMap((s) =>
      s.kind === 'call' && s.change === 'unchanged' && s.previousGuard
        ? [{ beforeGuards: s.previousGuard.conditionsRead ?? s.previousGuard.conditions, beforeLine: s.previousGuard.line, after: s }]
        : [],
    ),
  ];
  const out = [];
  for (const { beforeGuards, beforeLine, after } of pairs) {
    const before = phasesWhere(beforeGuards);
    if (!before || reachesBoot(beforeGuards) || !reachesBoot(after.guards) || after.irqOff?.via === 'boot-phase') continue;
    const mask = maskOf(after);
    const x86 = after.arch?.x86;
    if (localOnly(mask) || !x86 || !MAY_WAIT.has(x86.mechanism) || !run.settings.arches.includes('x86')) continue;
    const now = phaseNames((phasesWhere(after.guards) ?? BOOT_PHASES).filter((p) => p.bootCpuOnly && p.irqsOff !== 'no'));
    const beforeGuard = beforeGuards.filter((g) => /\bsystem_state\b/.test(g)).join(' && ');
    out.push({
      site: after,
      arch: 'x86' as const,
      messageId: 'bootGuardDropped' as const,
      data: { api: after.api, mask, arch: 'x86', before: phaseNames(before), beforeGuard, beforeLine: String(beforeLine), now },
      severity: 'warning' as const,
      related: [{ file: after.file, line: after.line, function: after.function, message: `flushes without the guard that kept it out of boot: ${after.text}` }],
      fix: 'Keep the system_state test: flush locally (flush_tlb_local()) while system_state < SYS_STATE_smp_boot.',
    });
  }
  return out;
}

function archName(arch: Arch): string {
  return arch === 'x86' ? 'x86' : arch === 'arm' ? 'Arm' : arch === 'riscv' ? 'RISC-V' : 'PPC';
}
