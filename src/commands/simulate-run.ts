import type { Arch, Mechanism, SimResult, SiteClass } from '../types.js';
import type { Mutation, ScenarioSpec } from '../sim/scenarios.js';
import { renderMermaid, renderTimeline } from '../sim/render.js';
import { simulateMechanism } from '../sim/verdict.js';
import { MAX_CPUS, MIN_CPUS } from '../sim/model.js';
import { EXIT, UsageError, type CliIo } from './context.js';
import type { SimFormat } from './sim-formats.js';
import { jsonText } from '../report/escape.js';

export interface SimulateCliOptions {
  scenario: SiteClass;
  mechanism: Mechanism;
  condition?: string;
  arch: Arch;
  cpus: string;
  format: SimFormat;
  oldType: 'page-table' | 'other';
  skipPath?: boolean;
  hapOnly?: boolean;
  mutation?: Mutation;
  symmetry: boolean;
  maxStates?: string;
}

export function parseCpus(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < MIN_CPUS || n > MAX_CPUS) throw new UsageError(`--cpus: expected a whole number from ${MIN_CPUS} to ${MAX_CPUS}, got "${value}"`);
  return n;
}

/** One simulation in the requested format (the CLI's only text; also used by `explain`). */
export function formatSim(sim: SimResult, format: SimFormat): string {
  if (format === 'mermaid') return renderMermaid(sim);
  if (format === 'json') return `${jsonText(JSON.stringify(sim, null, 2))}\n`;
  return renderTimeline(sim);
}

export function runSimulate(opts: SimulateCliOptions, io: CliIo): number {
  const spec: ScenarioSpec = {
    kind: opts.scenario,
    arch: opts.arch,
    cpus: parseCpus(opts.cpus),
    ...(opts.scenario === 'page-type-change' ? { oldTypePageTable: opts.oldType === 'page-table' } : {}),
    ...(opts.skipPath ? { skipPath: true } : {}),
    ...(opts.hapOnly ? { guestTablesShared: false } : {}),
    ...(opts.mutation ? { mutation: opts.mutation } : {}),
  };
  let maxStates: number | undefined;
  if (opts.maxStates !== undefined) {
    maxStates = Number(opts.maxStates);
    if (!Number.isInteger(maxStates) || maxStates <= 0) throw new UsageError('--max-states: expected a positive whole number');
  }
  const sim = simulateMechanism(
    { spec },
    { mechanism: opts.mechanism, source: 'command line', ...(opts.condition ? { condition: opts.condition } : {}) },
    { symmetry: opts.symmetry, ...(maxStates ? { maxStates } : {}) },
  );
  io.stdout(formatSim(sim, opts.format));
  return sim.safe ? EXIT.ok : EXIT.findings;
}
