import { Option } from 'commander';
import { ARCHES, type Arch, type Mechanism, type SimResult, type SiteClass } from '../types.js';
import { MUTATIONS, SCENARIO_KINDS, type Mutation, type ScenarioSpec } from '../sim/scenarios.js';
import { renderMermaid, renderTimeline } from '../sim/render.js';
import { simulateMechanism } from '../sim/verdict.js';
import { MAX_CPUS, MIN_CPUS } from '../sim/model.js';
import { EXIT, UsageError, type CliIo, type CommandModule } from './context.js';
import { jsonText } from '../report/escape.js';

export const SIM_FORMATS = ['text', 'mermaid', 'json'] as const;
export type SimFormat = (typeof SIM_FORMATS)[number];
const MECHANISMS: readonly Mechanism[] = ['ipi', 'assisted-possible', 'forced-ipi', 'conditional', 'broadcast', 'firmware', 'none', 'unknown'];

interface SimulateCliOptions {
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

function runSimulate(opts: SimulateCliOptions, io: CliIo): number {
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

export const simulateCommand: CommandModule = (program, { io, setExit }) => {
  program
    .command('simulate')
    .description(
      'explore a flush scenario exhaustively and print the shortest counterexample (exit 1 when unsafe or inconclusive); with no options: the canonical hazard, a page-type change flushed by an assisted flush',
    )
    .addOption(new Option('--scenario <s>', 'scenario').choices(SCENARIO_KINDS).default('page-type-change'))
    .addOption(new Option('--mechanism <m>', 'flush mechanism of the site').choices(MECHANISMS).default('assisted-possible'))
    .option('--condition <c>', 'for --mechanism conditional: the C condition under which the IPI is forced')
    .addOption(new Option('--arch <a>', 'architecture').choices(ARCHES).default('x86'))
    .option('--cpus <n>', `number of pCPUs (${MIN_CPUS}-${MAX_CPUS})`, '3')
    .addOption(new Option('-f, --format <format>', 'output format').choices(SIM_FORMATS).default('text'))
    .addOption(new Option('--old-type <t>', 'page-type-change: the frame was a page table, or not').choices(['page-table', 'other']).default('page-table'))
    .option('--skip-path', 'deferred-allocation-flush: the owner also has an exit path without the flush')
    .option('--hap-only', 'x86 built without PV and shadow paging')
    .addOption(new Option('--mutation <m>', 'a model change that must break a correct policy').choices(MUTATIONS))
    .option('--no-symmetry', 'explore without symmetry reduction')
    .option('--max-states <n>', 'state bound (inconclusive beyond it)')
    .action((opts: SimulateCliOptions) => setExit(runSimulate(opts, io)));
};
