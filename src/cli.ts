import { Command, CommanderError, Option } from 'commander';
import { readSync, statSync } from 'node:fs';
import type { Arch, RunResult, Severity, ToolError } from './types.js';
import { ARCHES, SEVERITY_RANK } from './types.js';
import { DEFAULT_MAX_INPUT_BYTES, loadInput } from './input.js';
import { DirTree } from './parser/base-tree.js';
import { readGitRange } from './parser/git-range.js';
import { DEFAULT_ARCHES, DEFAULT_CONFIG, review, type ReviewInput } from './pipeline.js';
import { FORMAT_NAMES, REPORTERS } from './report/index.js';
import { ok } from './types.js';
import { VERSION } from './version.js';

/** Everything the CLI touches outside itself, so tests can run it in-process. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  readStdin: () => Buffer;
  isTTY: boolean;
  env: Record<string, string | undefined>;
  cwd: string;
}

export const EXIT = { ok: 0, findings: 1, error: 2 } as const;

class UsageError extends Error {}

function parseArches(value: string): Arch[] {
  const arches = value.split(',').map((a) => a.trim()).filter(Boolean);
  for (const a of arches) if (!ARCHES.includes(a as Arch)) throw new UsageError(`--arch: unknown architecture "${a}" (known: ${ARCHES.join(', ')})`);
  return arches as Arch[];
}

/** `CONFIG_PV=n,CONFIG_SHADOW_PAGING=n` over the default build. */
export function parseConfig(value: string | undefined): Record<string, boolean> {
  const config = { ...DEFAULT_CONFIG };
  if (!value) return config;
  for (const item of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(CONFIG_[A-Za-z0-9_]+)(?:=([yn]|1|0|true|false))?$/.exec(item);
    if (!m) throw new UsageError(`--config: expected CONFIG_NAME=y|n, got "${item}"`);
    config[m[1]!] = m[2] === undefined || m[2] === 'y' || m[2] === '1' || m[2] === 'true';
  }
  return config;
}

export function errorLine(error: ToolError): string {
  const where = [error.file, error.line, error.column].filter((x) => x !== undefined).join(':');
  return `flushcheck: ${where}: ${error.message}`;
}

export function exitCodeFor(run: RunResult, failOn: Severity | 'never'): number {
  if (run.errors.length > 0) return EXIT.error;
  if (failOn === 'never') return EXIT.ok;
  const threshold = SEVERITY_RANK[failOn];
  return run.findings.some((f) => !f.suppressed && SEVERITY_RANK[f.severity] >= threshold) ? EXIT.findings : EXIT.ok;
}

interface ReviewCliOptions {
  format: string;
  failOn: Severity | 'never';
  tree?: string;
  git?: string;
  arch: string;
  config?: string;
  maxInputBytes: string;
}

function runReview(patchArgs: string[], opts: ReviewCliOptions, io: CliIo): number {
  const reporter = REPORTERS[opts.format];
  if (!reporter) throw new UsageError(`--format: unknown format "${opts.format}" (known: ${FORMAT_NAMES.join(', ')})`);
  const maxBytes = Number(opts.maxInputBytes);
  if (!Number.isInteger(maxBytes) || maxBytes <= 0) throw new UsageError('--max-input-bytes: expected a positive whole number');
  let tree: DirTree | undefined;
  if (opts.tree) {
    try {
      if (!statSync(opts.tree).isDirectory()) throw new Error();
      tree = new DirTree(opts.tree);
    } catch {
      throw new UsageError(`--tree: ${opts.tree} is not a directory`);
    }
  }
  const inputs: ReviewInput[] = [];
  if (opts.git) {
    const commits = readGitRange(tree?.directory ?? io.cwd, opts.git);
    if (!commits.ok) inputs.push({ name: `git:${opts.git}`, source: commits });
    else for (const c of commits.value) inputs.push({ name: c.name, source: ok({ name: c.name, text: c.text }), base: c.base });
  }
  const names = patchArgs.length === 0 && !opts.git ? ['-'] : patchArgs;
  for (const name of names) inputs.push({ name, source: loadInput(name, maxBytes, io.readStdin) });
  const run = review(inputs, {
    arches: parseArches(opts.arch),
    config: parseConfig(opts.config),
    ...(tree ? { tree, treeLabel: opts.tree } : {}),
  });
  for (const error of run.errors) io.stderr(`${errorLine(error)}\n`);
  io.stdout(reporter(run, { color: io.isTTY && opts.format === 'text' && io.env.NO_COLOR === undefined }));
  return exitCodeFor(run, opts.failOn);
}

export function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command('flushcheck')
    .description('Review Xen patches for TLB flushes that must force an IPI on x86')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showSuggestionAfterError();
  program
    .command('review')
    .description('list the flush sites of patches (files, - or nothing for standard input)')
    .argument('[patch...]', 'patch, series, mbox or mailing-list thread text')
    .addOption(new Option('-f, --format <format>', 'output format').choices(FORMAT_NAMES).default('text'))
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this').choices(['error', 'warning', 'note', 'never']).default('error'))
    .option('--tree <dir>', 'the base source tree the patch applies to (whole files instead of hunks)')
    .option('--git <range>', 'review the commits of RANGE in the git checkout (--tree or the current directory)')
    .option('--arch <list>', `architectures to model (${ARCHES.join(', ')})`, DEFAULT_ARCHES.join(','))
    .option('--config <list>', 'build configuration, e.g. CONFIG_PV=n,CONFIG_SHADOW_PAGING=n')
    .option('--max-input-bytes <n>', 'refuse inputs larger than this', String(DEFAULT_MAX_INPUT_BYTES))
    .action((patches: string[], opts: ReviewCliOptions) => setExit(runReview(patches, opts, io)));
  return program;
}

/** Runs the CLI; the only place that turns results into exit codes and text. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are successes; everything else commander rejects is usage.
      return error.exitCode === 0 ? EXIT.ok : EXIT.error;
    }
    if (error instanceof UsageError) {
      io.stderr(`flushcheck: ${error.message}\n`);
      return EXIT.error;
    }
    io.stderr(`flushcheck: internal error: ${(error as Error)?.message ?? String(error)}\n`);
    return EXIT.error;
  }
}

export function processIo(): CliIo {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    readStdin: () => (process.stdin.isTTY ? Buffer.alloc(0) : readStdinSync()),
    isTTY: Boolean(process.stdout.isTTY),
    env: process.env,
    cwd: process.cwd(),
  };
}

function readStdinSync(): Buffer {
  // readFileSync(0) fails with EAGAIN on non-blocking pipes; read until EOF instead.
  const chunks: Buffer[] = [];
  const buffer = Buffer.alloc(1 << 16);
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    let n: number;
    try {
      n = readSync(0, buffer, 0, buffer.length, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        Atomics.wait(pause, 0, 0, 5);
        continue;
      }
      if (code === 'EOF') break;
      throw e;
    }
    if (n === 0) break;
    chunks.push(Buffer.from(buffer.subarray(0, n)));
  }
  return Buffer.concat(chunks);
}
