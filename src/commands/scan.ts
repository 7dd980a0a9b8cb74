import type { Command } from 'commander';
import type { CommandModule } from './context.js';
import { addBuildOptions, addOutputOptions, addRunOptions } from './options.js';
import type { ScanCliOptions } from './scan-run.js';

// The run (scan-run.ts) is loaded when the command runs, not by every process.
export const scanCommand: CommandModule = (program, { io, setExit }) => {
  addRunOptions(
    addBuildOptions(
      addOutputOptions(
        program.command('scan').description('audit a whole source tree: classify every flush site and report the flushes that must force an IPI').argument('<dir>', 'the tree to scan (e.g. xen/)'),
      ),
    )
      .option('-j, --jobs <n>', 'worker threads for parsing (default: the cores, at most 2; 0 parses in the main thread)')
      .option('--no-progress', 'no progress bar, even on a terminal'),
  ).action(async (dir: string, opts: ScanCliOptions, command: Command) => {
    const { runScan } = await import('./scan-run.js');
    setExit(await runScan(dir, opts, io, command));
  });
};
