import { Option, type Command } from 'commander';
import { DEFAULT_ARCHES } from '../pipeline/options.js';
import type { CommandModule } from './context.js';
import type { ExplainCliOptions } from './explain-run.js';
import { addRunOptions } from './options.js';
import { SIM_FORMATS } from './sim-formats.js';

// The run (explain-run.ts) is loaded when the command runs, not by every process.
export const explainCommand: CommandModule = (program, { io, setExit }) => {
  addRunOptions(
    program
      .command('explain')
      .description('replay one flush site of a review in the simulator and print its timeline')
      .argument('<file:line>', 'the site, as FILE:LINE (FILE may be a path suffix)')
      .argument('[patch...]', 'the review input (patch, series, mbox or thread); - or nothing for standard input')
      .addOption(new Option('-f, --format <format>', 'output format').choices(SIM_FORMATS).default('text'))
      .option('--tree <dir>', 'the base source tree the patch applies to')
      .option('--arch <list>', 'architectures to model', DEFAULT_ARCHES.join(','))
      .option('--config <list>', 'build configuration, e.g. CONFIG_PV=n'),
    { baseline: false },
  ).action(async (location: string, patches: string[], opts: ExplainCliOptions, command: Command) => {
    const { runExplain } = await import('./explain-run.js');
    setExit(await runExplain(location, patches, opts, io, command));
  });
};
