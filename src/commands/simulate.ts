import { Option } from 'commander';
import { ARCHES, type Mechanism } from '../types.js';
import { MUTATIONS, SCENARIO_KINDS } from '../sim/scenarios.js';
import { MAX_CPUS, MIN_CPUS } from '../sim/model.js';
import type { CommandModule } from './context.js';
import { SIM_FORMATS } from './sim-formats.js';
import type { SimulateCliOptions } from './simulate-run.js';

const MECHANISMS: readonly Mechanism[] = ['ipi', 'assisted-possible', 'forced-ipi', 'conditional', 'broadcast', 'firmware', 'none', 'unknown'];

// The run (simulate-run.ts) is loaded when the command runs, not by every process.
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
    .action(async (opts: SimulateCliOptions) => {
      const { runSimulate } = await import('./simulate-run.js');
      setExit(runSimulate(opts, io));
    });
};
