import { describe, expect, it } from 'vitest';
import type { ArchResult, IrqOffContext, RunResult, Site } from '../../src/types.js';
import { ipiFlushIrqsOff } from '../../src/rules/ipi-flush-irqs-off.js';
import { simulateIrqOff } from '../../src/sim/irq-off.js';

const x86 = (mechanism: ArchResult['mechanism']): ArchResult => ({ mechanism, source: 'test', irqOff: simulateIrqOff('x86', { mechanism, source: 'test' }, 3, true) });
const arm: ArchResult = { mechanism: 'broadcast', source: 'test', irqOff: simulateIrqOff('arm', { mechanism: 'broadcast', source: 'test' }, 3, true) };

function site(line: number, fn: string, api: string, args: string[], irqOff: IrqOffContext, mechanism: ArchResult['mechanism'] = 'assisted-possible'): Site {
  return {
    id: `s${line}`,
    patch: 0,
    file: 'x.c',
    line,
    column: 5,
    side: 'new',
    change: 'added',
    function: fn,
    api,
    kind: 'call',
    args,
    text: `${api}(${args.join(', ')})`,
    guards: [],
    irqOff,
    arch: { x86: x86(mechanism), arm },
  };
}

const own = (line: number): IrqOffContext => ({
  via: 'function',
  steps: [
    { file: 'x.c', line: line - 1, function: 'f', message: 'interrupts go off: spin_lock_irq(&l)' },
    { file: 'x.c', line, function: 'f', message: 'flushes' },
  ],
});

const runOf = (sites: Site[]): RunResult =>
  ({ schemaVersion: 1, tool: { name: 'flushcheck', version: '0' }, settings: { arches: ['x86', 'arm'], config: {} }, inputs: [], patches: [], sites, findings: [], errors: [] }) as RunResult;

describe('FC008 ipi-flush-irqs-off', () => {
  it('an error on x86 only, naming the mask and where interrupts went off; an unknown mechanism is a warning', () => {
    const reports = ipiFlushIrqsOff.check(runOf([site(10, 'f', 'flush_tlb_mask', ['d->dirty_cpumask'], own(10)), site(20, 'f', 'flush_area_mask', ['m', 'va', 'fl'], own(20), 'unknown')]));
    expect(reports.map((r) => [r.site?.line, r.arch, r.messageId, r.severity ?? 'error'])).toEqual([
      [10, 'x86', 'deadlock', 'error'],
      [20, 'x86', 'undecided', 'warning'],
    ]);
    expect(reports[0]!.data).toMatchObject({ mask: 'd->dirty_cpumask', offLine: '9', off: 'spin_lock_irq(&l)' });
    expect(reports[0]!.trace?.length).toBeGreaterThan(0);
  });

  it('a mask of this CPU only, and a helper whose caller’s call is itself reported, stay silent', () => {
    const helper: IrqOffContext = {
      via: 'caller',
      steps: [
        { file: 'x.c', line: 9, function: 'f', message: 'interrupts go off: spin_lock_irq(&l)' },
        { file: 'x.c', line: 10, function: 'f', message: 'calls h' },
        { file: 'x.c', line: 3, function: 'h', message: 'flushes' },
      ],
    };
    const reports = ipiFlushIrqsOff.check(
      runOf([
        site(10, 'f', 'filtered_flush_tlb_mask', ['ts'], own(10)),
        site(3, 'h', 'flush_tlb_mask', ['mask'], helper),
        site(30, 'f', 'flush_mask', ['cpumask_of(smp_processor_id())', 'FLUSH_TLB'], own(30)),
      ]),
    );
    expect(reports.map((r) => r.site?.line)).toEqual([10]);
  });

  it('a boot-phase flush is a warning, never an error: before smp_boot the online mask may hold only the boot CPU', () => {
    const boot = (line: number, phases: string[], guard: string): IrqOffContext => ({
      via: 'boot-phase',
      phases,
      guard,
      steps: [
        { file: 'x.c', line, function: 'f', message: `runs only while system_state is … (${guard})` },
        { file: 'x.c', line, function: 'f', message: 'flushes' },
      ],
    });
    const reports = ipiFlushIrqsOff.check(
      runOf([
        site(10, 'f', 'flush_tlb_mask', ['m'], boot(10, ['SYS_STATE_early_boot', 'SYS_STATE_boot', 'SYS_STATE_smp_boot'], 'system_state < SYS_STATE_active')),
        site(20, 'f', 'flush_tlb_mask', ['m'], boot(20, ['SYS_STATE_boot'], 'system_state == SYS_STATE_boot')),
        site(30, 'f', 'flush_tlb_mask', ['cpumask_of(smp_processor_id())'], boot(30, ['SYS_STATE_early_boot'], 'system_state == SYS_STATE_early_boot')),
      ]),
    );
    expect(reports.map((r) => [r.site?.line, r.arch, r.messageId, r.severity ?? 'error'])).toEqual([
      [10, 'x86', 'bootPhase', 'warning'],
      [20, 'x86', 'bootPhase', 'warning'],
    ]);
    expect(reports[0]!.data).toMatchObject({ phases: 'early_boot, boot, smp_boot', guard: 'system_state < SYS_STATE_active', mask: 'm' });
  });

  it('a dropped system_state guard is a warning; an equivalent rewrite or a guard that still keeps boot out is silent', () => {
    const plain = (line: number, change: Site['change'], guards: string[]): Site => {
      const s = site(line, 'f', 'flush_tlb_mask', ['m'], own(line));
      delete s.irqOff;
      return { ...s, change, guards, side: change === 'removed' ? 'old' : 'new' };
    };
    const dropped = ipiFlushIrqsOff.check(runOf([plain(10, 'removed', ['system_state >= SYS_STATE_smp_boot']), plain(9, 'added', [])]));
    expect(dropped.map((r) => [r.site?.line, r.messageId, r.severity])).toEqual([[9, 'bootGuardDropped', 'warning']]);
    expect(dropped[0]!.data).toMatchObject({ before: 'smp_boot, active, suspend, resume', now: 'early_boot, boot', beforeLine: '10' });
    const kept = ipiFlushIrqsOff.check(runOf([plain(10, 'removed', ['system_state >= SYS_STATE_smp_boot']), plain(10, 'added', ['!(system_state < SYS_STATE_smp_boot)'])]));
    expect(kept).toEqual([]);
    const other = { ...plain(9, 'added', []), api: 'flush_mask', args: ['m', 'FLUSH_TLB'] };
    expect(ipiFlushIrqsOff.check(runOf([plain(10, 'removed', ['system_state >= SYS_STATE_smp_boot']), other]))).toEqual([]);
    const unchanged = { ...plain(12, 'unchanged', ['system_state > SYS_STATE_boot']), previousGuard: { line: 12, classes: [], conditions: ['system_state >= SYS_STATE_active'] } };
    expect(ipiFlushIrqsOff.check(runOf([unchanged]))).toEqual([]);
    const widened = { ...unchanged, guards: ['c'] };
    expect(ipiFlushIrqsOff.check(runOf([widened])).map((r) => r.messageId)).toEqual(['bootGuardDropped']);
  });
});
