import { createRequire } from 'node:module';
import type CliProgress from 'cli-progress';
import { statSync } from 'node:fs';
import type { RunResult, Severity } from '../types.js';
import type { Command } from 'commander';
import { scan } from '../pipeline/index.js';
import { UsageError, type CliIo } from './context.js';
import { targetsFor } from './options.js';
import { emitRun, runOptionsFrom } from './run.js';

export interface ScanCliOptions {
  format: string[];
  output?: string;
  failOn: Severity | 'never';
  arch: string;
  config?: string;
  jobs?: string;
  progress: boolean;
  configFile?: string;
  baseline?: string;
}

/** A progress bar on standard error, only when standard error is a terminal (a CI log would keep every redraw). */
function progressBar(io: CliIo, enabled: boolean): { update: (done: number, total: number) => void; stop: () => void } {
  if (!enabled || !io.stderrIsTTY) return { update: () => {}, stop: () => {} };
  const stream = {
    isTTY: true,
    columns: 80,
    write: (text: string, callback?: () => void): boolean => {
      io.stderr(text);
      callback?.();
      return true;
    },
  } as unknown as NodeJS.WriteStream;
  // Only a terminal gets here; piped runs never load the progress bar.
  const { SingleBar } = createRequire(import.meta.url)('cli-progress') as typeof CliProgress;
  const bar = new SingleBar({ stream, format: 'scanning {bar} {value}/{total} files', hideCursor: true, clearOnComplete: true });
  let started = false;
  return {
    update: (done, total) => {
      if (!started) {
        bar.start(total, 0);
        started = true;
      }
      bar.update(done);
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}

export async function runScan(dir: string, opts: ScanCliOptions, io: CliIo, command?: Command): Promise<number> {
  let isDirectory = false;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch {
    isDirectory = false;
  }
  if (!isDirectory) throw new UsageError(`scan: ${dir} is not a directory`);
  const jobs = opts.jobs === undefined ? undefined : Number(opts.jobs);
  if (jobs !== undefined && (!Number.isInteger(jobs) || jobs < 0 || jobs > 64)) throw new UsageError('--jobs: expected a whole number from 0 to 64');
  targetsFor(opts, io);
  const options = runOptionsFrom(opts, io, command);
  const bar = progressBar(io, opts.progress);
  let run: RunResult;
  try {
    run = await scan(dir, dir, {
      ...options,
      ...(jobs !== undefined ? { workers: jobs } : {}),
      onProgress: bar.update,
    });
  } finally {
    bar.stop();
  }
  return emitRun(run, opts, io);
}
