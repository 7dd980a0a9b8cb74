import type { Command } from 'commander';
import type { RunResult, Severity } from '../types.js';
import { SEVERITY_RANK } from '../types.js';
import { DEFAULT_CONFIG, type RunOptions } from '../pipeline/index.js';
import { REPORTERS } from '../report/index.js';
import { loadConfig } from '../config.js';
import { readBaseline } from '../baseline.js';
import { terminalText } from '../report/escape.js';
import { mismatchText } from '../report/common.js';
import { EXIT, UsageError, type CliIo } from './context.js';
import { colorFor, errorLine, parseArches, parseConfig, targetsFor, type EmitOptions } from './options.js';
import { writeFilesAtomically } from './outputs.js';

/** What every command that runs the pipeline does around it: read its options, then print or write the run. */

/** Files named one warning line each on standard error; the rest are counted (settings.treeMismatches lists them). */
const MAX_TREE_WARNINGS = 10;

/** `--tree` that is not the patches' base: one warning line per file (the paths come from the patch). */
export function treeWarningLines(run: RunResult): string[] {
  if (run.settings.treeMatchesPreimage !== false) return [];
  const all = run.settings.treeMismatches ?? [];
  const lines = all
    .slice(0, MAX_TREE_WARNINGS)
    .map((m) => `flushcheck: warning: --tree ${terminalText(run.settings.tree ?? '')} is not patch ${m.patch + 1}'s base: ${terminalText(mismatchText(m))}\n`);
  if (all.length > MAX_TREE_WARNINGS) lines.push(`flushcheck: warning: --tree: ${all.length - MAX_TREE_WARNINGS} more files differ from the patches' base (settings.treeMismatches)\n`);
  return lines;
}

export function exitCodeFor(run: RunResult, failOn: Severity | 'never'): number {
  if (run.errors.length > 0) return EXIT.error;
  if (failOn === 'never') return EXIT.ok;
  const threshold = SEVERITY_RANK[failOn];
  return run.findings.some((f) => !f.suppressed && SEVERITY_RANK[f.severity] >= threshold) ? EXIT.findings : EXIT.ok;
}

/** Errors one line each on standard error, each report to its file (all or none), the one without a file on standard output; the exit code. */
export function emitRun(run: RunResult, opts: EmitOptions, io: CliIo): number {
  const targets = targetsFor(opts, io);
  for (const error of run.errors) io.stderr(`${errorLine(error)}\n`);
  for (const line of treeWarningLines(run)) io.stderr(line);
  const render = (format: string, color: boolean): Iterable<string> => {
    const reporter = REPORTERS[format]!;
    return reporter.stream ? reporter.stream(run, { color }) : [reporter(run, { color })];
  };
  // Files never get colour: they are read by tools, not by a terminal.
  writeFilesAtomically(
    targets.flatMap((t) => (t.file === undefined ? [] : [{ file: t.file, chunks: render(t.format, false) }])),
    io.cwd,
  );
  const out = targets.find((t) => t.file === undefined);
  if (out) for (const chunk of render(out.format, out.format === 'text' && colorFor(opts.color, io))) io.stdout(chunk);
  return exitCodeFor(run, opts.failOn);
}

export interface RunCliOptions {
  arch: string;
  config?: string;
  configFile?: string;
  baseline?: string;
}

/**
 * The options of a run as every command reads them: the configuration file,
 * then what was typed (an option typed on the command line beats the file;
 * the file beats the defaults), and the baseline.
 */
export function runOptionsFrom(opts: RunCliOptions, io: CliIo, command?: Command): RunOptions {
  const loaded = loadConfig(opts.configFile, io.cwd);
  if (!loaded.result.ok) throw new UsageError(`${loaded.file}: ${loaded.result.message}`);
  const fileConfig = loaded.result.config;
  const baseline = opts.baseline ? readBaseline(opts.baseline, io.cwd) : undefined;
  if (baseline && !baseline.ok) throw new UsageError(`--baseline ${opts.baseline}: ${baseline.message}`);
  const arches = command?.getOptionValueSource('arch') !== 'cli' && fileConfig.architectures ? fileConfig.architectures : parseArches(opts.arch);
  return {
    arches,
    config: parseConfig(opts.config, { ...DEFAULT_CONFIG, ...fileConfig.build }),
    ...(fileConfig.roots ? { roots: fileConfig.roots } : {}),
    ...(fileConfig.rules ? { rules: fileConfig.rules } : {}),
    ...(loaded.file ? { configFile: loaded.file } : {}),
    ...(baseline?.ok ? { baseline: { file: opts.baseline!, fingerprints: baseline.fingerprints } } : {}),
  };
}
