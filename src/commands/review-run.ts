import type { Command } from 'commander';
import { statSync } from 'node:fs';
import type { Severity } from '../types.js';
import { ok } from '../types.js';
import { loadInput, withDecodedMail } from '../input.js';
import { DirTree } from '../parser/base-tree.js';
import { readGitRange } from '../parser/git-range.js';
import { reviewAsync, type ReviewInput } from '../pipeline/index.js';
import { baseSuppressionsOnly } from '../suppressions/base-only.js';
import { locateTree } from '../xen/tree-root.js';
import { terminalText } from '../report/escape.js';
import { UsageError, type CliIo } from './context.js';
import { targetsFor } from './options.js';
import { emitRun, runOptionsFrom } from './run.js';

export interface ReviewCliOptions {
  format: string[];
  output?: string;
  failOn: Severity | 'never';
  tree?: string;
  git?: string;
  arch: string;
  config?: string;
  maxInputBytes: string;
  configFile?: string;
  baseline?: string;
  suppressions: 'all' | 'base';
}

export function openTree(dir: string | undefined): DirTree | undefined {
  if (!dir) return undefined;
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    return new DirTree(locateTree(dir).root);
  } catch {
    throw new UsageError(`--tree: ${dir} is not a directory`);
  }
}

export async function runReview(patchArgs: string[], opts: ReviewCliOptions, io: CliIo, command?: Command): Promise<number> {
  const maxBytes = Number(opts.maxInputBytes);
  if (!Number.isInteger(maxBytes) || maxBytes <= 0) throw new UsageError('--max-input-bytes: expected a positive whole number');
  targetsFor(opts, io);
  const options = runOptionsFrom(opts, io, command);
  const tree = openTree(opts.tree);
  const inputs: ReviewInput[] = [];
  if (opts.git) {
    const commits = readGitRange(tree?.directory ?? io.cwd, opts.git);
    if (!commits.ok) inputs.push({ name: `git:${opts.git}`, source: commits });
    // An empty range (a pushed tag, HEAD..HEAD) is a well-defined empty set, unlike an empty
    // standard input, which cannot be told from a broken pipe: say so, and report nothing.
    else if (commits.value.length === 0) io.stderr(`flushcheck: git:${terminalText(opts.git)}: no commits in the range (merges are skipped): nothing to review\n`);
    else for (const c of commits.value) inputs.push({ name: c.name, source: await withDecodedMail(ok({ name: c.name, text: c.text })), base: c.base, form: 'git' });
  }
  const names = patchArgs.length === 0 && !opts.git ? ['-'] : patchArgs;
  for (const name of names) inputs.push({ name, source: await withDecodedMail(loadInput(name, maxBytes, io.readStdin)) });
  const reviewed = await reviewAsync(inputs, { ...options, ...(tree ? { tree, treeLabel: opts.tree } : {}) });
  const run = opts.suppressions === 'base' ? baseSuppressionsOnly(reviewed) : reviewed;
  return emitRun(run, opts, io);
}
