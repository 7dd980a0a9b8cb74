import { Option, type Command } from 'commander';
import type { Arch, Severity, ToolError } from '../types.js';
import { ARCHES } from '../types.js';
import { DEFAULT_ARCHES, DEFAULT_CONFIG } from '../pipeline/options.js';
import { FORMAT_NAMES } from '../report/formats.js';
import { terminalText } from '../report/escape.js';
import { UsageError, type CliIo } from './context.js';
import { collectFormat, outputTargets, type OutputTarget } from './outputs.js';

/*
 * The options the commands share, as commander declares them, and the cheap
 * checks on their values. What a run does with them (the configuration file,
 * the baseline, the reporters) is in run.ts, loaded only when a command runs:
 * `--version` and `--help` never load the pipeline.
 */

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

/** One line on standard error (a terminal or a CI log): the input's name and the message can both come from a patch. */
export function errorLine(error: ToolError): string {
  const where = [error.file, error.line, error.column].filter((x) => x !== undefined).join(':');
  return `flushcheck: ${terminalText(where)}: ${terminalText(error.message)}`;
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

/** `--config-file` and `--baseline`, the same for every command that runs the pipeline. */
export function addRunOptions(command: Command, { baseline = true } = {}): Command {
  command.option('--config-file <file>', 'configuration file (default: the nearest .flushcheck.json from the current directory up to the repository root)');
  if (baseline) command.option('--baseline <file>', 'report only findings whose fingerprint is not in this earlier --format json report');
  return command;
}
