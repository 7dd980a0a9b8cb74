import { EXIT, type CommandModule } from './context.js';
import { errorLine } from './options.js';

interface TestCliOptions {
  update?: boolean;
}

export const testCommand: CommandModule = (program, { io, setExit }) => {
  program
    .command('test')
    .description('run fixture cases: each patch-like file with its .expect, .tree/ and .json sidecars and its inline ruleid:/ok: annotations')
    .argument('<dir...>', 'directories of cases (searched recursively) or single case files')
    .option('--update', 'write what the tool reports into each .expect (review the change in git)')
    .action(async (dirs: string[], opts: TestCliOptions) => {
      // Loaded when the command runs, not by every process.
      const { formatFixtureRun, runFixtureTests } = await import('../testing/run.js');
      const run = await runFixtureTests(dirs, { update: Boolean(opts.update) });
      for (const error of run.errors) io.stderr(`${errorLine(error)}\n`);
      if (run.results.length === 0 && run.orphans.length === 0) {
        if (run.errors.length === 0) io.stderr(`flushcheck: no test cases (*.patch, *.diff, *.mbox, *.eml, *.txt) under ${dirs.join(', ')}\n`);
        setExit(EXIT.error);
        return;
      }
      io.stdout(formatFixtureRun(run));
      setExit(run.errors.length > 0 ? EXIT.error : run.failed > 0 ? EXIT.findings : EXIT.ok);
    });
};
