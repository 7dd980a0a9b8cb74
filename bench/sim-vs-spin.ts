/**
 * Our explorer against spin on the same model (src/sim/promela/flush.pml), per canonical
 * scenario at N = 2..6 (plus N = 7, 8 where the state space is large enough for
 * throughput to dominate start-up costs). Run: npx tsx bench/sim-vs-spin.ts [--max-n 8]
 *
 * Columns:
 *  - ours: full exploration without symmetry (the same state space spin stores),
 *    states, transitions, wall ms (best of 3, in process), states/s;
 *  - spin: `pan -A -E` built with -DNOREDUCE -DBFS -O2: states, transitions, wall ms of the
 *    process, states/s on that wall time (and on pan's own elapsed time);
 *  - verdict: our whole verdict (symmetry on, stop at the first violation, concrete trace)
 *    vs spin end to end (`spin -a` + `gcc -O2` + `./pan` to the first error).
 * Goals (issue 5): ours ≥ 0.3× spin's states/s on the same model; our verdict no slower
 * than spin end to end up to N = 4; N = 5 with symmetry reduction under 1 s.
 */
import { explore } from '../src/sim/explorer.js';
import type { ConcreteFlush } from '../src/sim/mechanisms.js';
import { buildScenario, type ScenarioSpec } from '../src/sim/scenarios.js';
import { simulate } from '../src/sim/simulate.js';
import { hasSpin, runSpin } from '../test/helpers/spin.js';

const flag = process.argv.indexOf('--max-n');
const maxN = flag >= 0 ? Number(process.argv[flag + 1]) : 8;

/** The seed's four classes, each with the flush the seed's fix gives it (or the seed's bug, for deferred). */
const SCENARIOS: { name: string; spec: Omit<ScenarioSpec, 'cpus'>; flush: ConcreteFlush }[] = [
  { name: 'page-type-change/ipi', spec: { kind: 'page-type-change', arch: 'x86' }, flush: 'ipi' },
  { name: 'allocation/ipi', spec: { kind: 'allocation', arch: 'x86' }, flush: 'ipi' },
  { name: 'deferred/assisted', spec: { kind: 'deferred-allocation-flush', arch: 'x86' }, flush: 'assisted' },
  { name: 'other/assisted', spec: { kind: 'other', arch: 'x86' }, flush: 'assisted' },
];

const best = <T>(runs: number, f: () => T): [T, number] => {
  let value!: T;
  let ms = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    value = f();
    ms = Math.min(ms, performance.now() - t0);
  }
  return [value, ms];
};

const fmt = (x: number, digits = 0): string => x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

if (!hasSpin()) {
  console.error('bench: spin and gcc are needed (scripts/test-deps.sh installs them)');
  process.exit(2);
}

const header = [
  'scenario',
  'N',
  'ours states',
  'ours trans',
  'ours ms',
  'ours st/s',
  'spin states',
  'spin trans',
  'pan ms',
  'spin st/s',
  'pan st/s (own)',
  'rate ratio',
  'verdict ms (ours, sym)',
  'spin e2e ms',
  'e2e ratio',
];
const rows: string[][] = [];
const ratios: number[] = [];
let worstE2E = 0;
let n5sym = 0;
for (const s of SCENARIOS) {
  for (let n = 2; n <= maxN; n++) {
    const spec: ScenarioSpec = { ...s.spec, cpus: n };
    const config = buildScenario(spec, s.flush).config;
    const [whole, oursMs] = best(3, () => explore(config, { symmetry: false, stopAtViolation: false }));
    // A fresh verdict each time: simulate() caches, so explore + trace are timed through a unique bound.
    let salt = 0;
    const [, verdictMs] = best(3, () => simulate(spec, s.flush, { maxStates: 50_000_000 + salt++ }));
    const spin = runSpin(spec, s.flush, '-O2');
    const spinE2E = spin.ms.generate + spin.ms.compile + spin.ms.verify;
    const oursRate = whole.states / (oursMs / 1000);
    const spinRate = spin.states / (spin.ms.count / 1000);
    const panOwn = spin.panSeconds ? spin.states / Math.max(spin.panSeconds, 1e-3) : NaN;
    const ratio = oursRate / spinRate;
    ratios.push(ratio);
    if (n <= 4) worstE2E = Math.max(worstE2E, verdictMs / spinE2E);
    if (n === 5) n5sym = Math.max(n5sym, verdictMs);
    if (whole.states !== spin.states) throw new Error(`state counts differ on ${s.name} N=${n}: ours ${whole.states}, spin ${spin.states}`);
    rows.push([
      s.name,
      String(n),
      fmt(whole.states),
      fmt(whole.transitions),
      fmt(oursMs, 1),
      fmt(oursRate),
      fmt(spin.states),
      fmt(spin.transitions),
      fmt(spin.ms.count, 1),
      fmt(spinRate),
      Number.isFinite(panOwn) ? fmt(panOwn) : '-',
      `${fmt(ratio, 2)}×`,
      fmt(verdictMs, 2),
      fmt(spinE2E, 0),
      `${fmt(verdictMs / spinE2E, 4)}×`,
    ]);
  }
}

const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows) console.log(line(r));
console.log();
console.log(`states/s ratio ours/spin: min ${fmt(Math.min(...ratios), 2)}×, max ${fmt(Math.max(...ratios), 2)}× (goal ≥ 0.3×)`);
console.log(`verdict time ours / spin end to end, N ≤ 4: worst ${fmt(worstE2E, 4)}× (goal ≤ 1×)`);
console.log(`N = 5 verdict with symmetry reduction: worst ${fmt(n5sym, 2)} ms (goal < 1000 ms)`);
