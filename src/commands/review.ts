import { Option, type Command } from 'commander';
import { DEFAULT_MAX_INPUT_BYTES } from '../input.js';
import type { CommandModule } from './context.js';
import { addBuildOptions, addOutputOptions, addRunOptions } from './options.js';
import type { ReviewCliOptions } from './review-run.js';

// The run (review-run.ts) is loaded when the command runs, not by every process.
export const reviewCommand: CommandModule = (program, { io, setExit }) => {
  addRunOptions(
    addBuildOptions(
      addOutputOptions(
        program
          .command('review')
          .description('review patches: list their flush sites and report the flushes that must force an IPI')
          .argument('[patch...]', 'patch, series, mbox or mailing-list thread text; - or nothing for standard input'),
      ),
    )
      .option('--tree <dir>', 'the base source tree the patch applies to (whole files instead of hunks)')
      .option('--git <range>', 'review the commits of RANGE in the git checkout (--tree or the current directory)')
      .option('--max-input-bytes <n>', 'refuse inputs larger than this', String(DEFAULT_MAX_INPUT_BYTES))
      .addOption(
        new Option('--suppressions <which>', 'inline suppressions obeyed: all, or base (only comments the base already had, not ones the patch adds: for CI)').choices(['all', 'base']).default('all'),
      ),
  ).action(async (patches: string[], opts: ReviewCliOptions, command: Command) => {
    const { runReview } = await import('./review-run.js');
    setExit(await runReview(patches, opts, io, command));
  });
};
