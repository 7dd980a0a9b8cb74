import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConcreteFlush } from '../../src/sim/mechanisms.js';
import type { ScenarioSpec } from '../../src/sim/scenarios.js';

/** The Promela twin of the simulator. */
export const PROMELA = join(import.meta.dirname, '..', '..', 'src', 'sim', 'promela', 'flush.pml');

export function hasSpin(): boolean {
  try {
    execFileSync('spin', ['-V'], { stdio: 'pipe' });
    execFileSync('gcc', ['--version'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

/** The twin's -D parameters for one scenario and flush (see the header of flush.pml). */
export function promelaDefines(spec: ScenarioSpec, flush: ConcreteFlush): string[] {
  const scen = spec.kind === 'page-type-change' ? (spec.oldTypePageTable === false ? 2 : 1) : { allocation: 3, 'deferred-allocation-flush': 4, other: 5 }[spec.kind];
  const arm = spec.arch === 'arm';
  const sees = arm ? 1 : spec.arch === 'x86' ? (spec.guestTablesShared === false ? 0 : 1) : 0;
  const defines: Record<string, number> = {
    N: spec.cpus,
    SCEN: scen,
    FLUSH: flush === 'none' ? 0 : flush === 'ipi' ? 1 : 2,
    SKIP: spec.skipPath ? 1 : 0,
    ARM: arm ? 1 : 0,
    SEES: sees,
    UNMASKED: spec.mutation === 'walker-unmasked' && !arm ? 1 : 0,
    IRQOFF: spec.mutation === 'initiator-irq-off' ? 1 : 0,
  };
  return Object.entries(defines).map(([k, v]) => `-D${k}=${v}`);
}

export interface SpinRun {
  /** Distinct states of the whole space (pan -A -E: assertions and end states ignored). */
  states: number;
  transitions: number;
  /** Breadth-first search for the first error: undefined when none. */
  error?: { kind: 'invariant' | 'deadlock'; depth: number };
  /** Wall time of each phase, ms (processes included). */
  ms: { generate: number; compile: number; count: number; verify: number };
  /** pan's own measure of the counting search, seconds (excludes process start-up). */
  panSeconds?: number;
}

const time = <T>(f: () => T): [T, number] => {
  const t0 = performance.now();
  const v = f();
  return [v, performance.now() - t0];
};

/**
 * spin end to end in a fresh temporary directory: `spin -a`, `gcc -DNOREDUCE -DBFS`
 * (no partial-order reduction, breadth-first), then pan twice: `-A -E` to count every
 * reachable state, and plain to find the first (shallowest) error.
 */
export function runSpin(spec: ScenarioSpec, flush: ConcreteFlush, optimize = '-O0'): SpinRun {
  const dir = mkdtempSync(join(tmpdir(), 'flushcheck-spin-'));
  try {
    writeFileSync(join(dir, 'flush.pml'), readFileSync(PROMELA));
    const run = (cmd: string, args: string[]): string => execFileSync(cmd, args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 24 });
    const [, generate] = time(() => run('spin', [...promelaDefines(spec, flush), '-a', 'flush.pml']));
    const [, compile] = time(() => run('gcc', ['-w', optimize, '-DNOREDUCE', '-DBFS', '-DSAFETY', '-o', 'pan', 'pan.c']));
    const [full, count] = time(() => run('./pan', ['-A', '-E']));
    const [first, verify] = time(() => run('./pan', []));
    const states = Number(/(\d+) states, stored/.exec(full)?.[1]);
    const transitions = Number(/(\d+) transitions \(= stored\+matched\)/.exec(full)?.[1] ?? /(\d+) states, matched/.exec(full)?.[1]);
    if (!Number.isFinite(states)) throw new Error(`pan gave no state count:\n${full}`);
    const m = /pan:1: assertion violated (.*) \(at depth (\d+)\)/.exec(first);
    const result: SpinRun = { states, transitions, ms: { generate, compile, count, verify } };
    const elapsed = /pan: elapsed time ([\d.e+-]+) seconds/.exec(full);
    if (elapsed) result.panSeconds = Number(elapsed[1]);
    if (m) result.error = { kind: /bad==0/.test(m[1]!.replace(/\s/g, '')) ? 'deadlock' : 'invariant', depth: Number(m[2]) };
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
