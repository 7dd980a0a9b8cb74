import { Option, type Command } from 'commander';
import type { Arch, RunResult, Severity, ToolError } from '../types.js';
import { ARCHES, SEVERITY_RANK } from '../types.js';
import { DEFAULT_ARCHES, DEFAULT_CONFIG, type RunOptions } from '../pipeline/index.js';
import { FORMAT_NAMES, REPORTERS } from '../report/index.js';
import { loadConfig } from '../config.js';
import { readBaseline } from '../baseline.js';
import { terminalText } from '../report/escape.js';
import { mismatchText } from '../report/common.js';
import { EXIT, UsageError, type CliIo } from './context.js';
import { collectFormat, outputTargets, writeFilesAtomically, type OutputTarget } from './outputs.js';

/** `x86,arm`: each named once (a repeated name would model, and report, everything twice); none at all is a mistake, not an empty run. */
export function parseArches(value: string): Arch[] {
  const arches = value
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  if (arches.length === 0) throw new UsageError(`--arch: no architecture given (known: ${ARCHES.join(', ')})`);
  for (const a of arches) if (!ARCHES.includes(a as Arch)) throw new UsageError(`--arch: unknown architecture "${a}" (known: ${ARCHES.join(', ')})`);
  return [...new Set(arches)] as Arch[];
}

/** `CONFIG_PV=n,CONFIG_SHADOW_PAGING=n` over the default build (or over `base`, from a config file). */
export function parseConfig(value: string | undefined, base: Record<string, boolean> = DEFAULT_CONFIG): Record<string, boolean> {
  const config = { ...base };
  if (!value) return config;
  for (const item of value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^(CONFIG_[A-Za-z0-9_]+)(?:=([yn]|1|0|true|false))?$/.exec(item);
    if (!m) throw new UsageError(`--config: expected CONFIG_NAME=y|n, got "${item}"`);
    config[m[1]!] = m[2] === undefined || m[2] === 'y' || m[2] === '1' || m[2] === 'true';
  }
  return config;
}

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

/** One line on standard error (a terminal or a CI log): the input's name and the message can both come from a patch. */
export function errorLine(error: ToolError): string {
  const where = [error.file, error.line, error.column].filter((x) => x !== undefined).join(':');
  return `flushcheck: ${terminalText(where)}: ${terminalText(error.message)}`;
}

export function exitCodeFor(run: RunResult, failOn: Severity | 'never'): number {
  if (run.errors.length > 0) return EXIT.error;
  if (failOn === 'never') return EXIT.ok;
  const threshold = SEVERITY_RANK[failOn];
  return run.findings.some((f) => !f.suppressed && SEVERITY_RANK[f.severity] >= threshold) ? EXIT.findings : EXIT.ok;
}

/** `--format`, `--output` and `--fail-on`, the same for every command that prints a run. */
export function addOutputOptions(command: Command): Command {
  return command
    .addOption(new Option('-f, --format <format>', `output format, NAME to standard output or NAME:FILE; repeatable (${FORMAT_NAMES.join(', ')})`).argParser(collectFormat).default([], 'text'))
    .option('-o, --output <file>', 'write the standard-output report to FILE instead')
    .option('--color', 'colour the text report on standard output even when it is not a terminal')
    .option('--no-color', 'never colour the text report')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this').choices(['error', 'warning', 'note', 'never']).default('error'));
}

/** `--arch` and `--config`: which architectures and which build. */
export function addBuildOptions(command: Command): Command {
  return command
    .option('--arch <list>', `architectures to model (${ARCHES.join(', ')})`, DEFAULT_ARCHES.join(','))
    .option('--config <list>', 'build configuration, e.g. CONFIG_PV=n,CONFIG_SHADOW_PAGING=n');
}

export interface EmitOptions {
  format: string[];
  output?: string;
  /** --color / --no-color; undefined: neither was typed. */
  color?: boolean;
  failOn: Severity | 'never';
}

/**
 * Colour for the text report on standard output: --color / --no-color, then
 * FORCE_COLOR (0 or false: off; anything else: on; it beats NO_COLOR, as in
 * Node itself), then NO_COLOR (any non-empty value: off), then whether
 * standard output is a terminal.
 */
export function colorFor(typed: boolean | undefined, io: CliIo): boolean {
  if (typed !== undefined) return typed;
  const force = io.env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false';
  if (io.env.NO_COLOR) return false;
  return io.isTTY;
}

/** Where the reports of a run go; checked before the run, so a typo costs no scan. */
export function targetsFor(opts: EmitOptions, io: CliIo): OutputTarget[] {
  return outputTargets(opts.format, opts.output, io.cwd);
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

/** `--config-file` and `--baseline`, the same for every command that runs the pipeline. */
export function addRunOptions(command: Command, { baseline = true } = {}): Command {
  command.option('--config-file <file>', 'configuration file (default: the nearest .flushcheck.json from the current directory up to the repository root)');
  if (baseline) command.option('--baseline <file>', 'report only findings whose fingerprint is not in this earlier --format json report');
  return command;
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
