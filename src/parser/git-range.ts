import { execFileSync } from 'node:child_process';
import type { Result, ToolError } from '../types.js';
import { failed, ok } from '../types.js';
import { GitTree } from './base-tree.js';

export interface GitCommitInput {
  name: string;
  text: string;
  base: GitTree;
}

const git = (repo: string, args: string[]): string => execFileSync('git', args, { cwd: repo, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });

/**
 * The commits of RANGE, oldest first, each as format-patch text with its
 * parent as the base tree. Git runs without a shell and never touches the work tree.
 */
export function readGitRange(repo: string, range: string): Result<GitCommitInput[]> {
  const error = (message: string): ToolError => ({ file: `git:${range}`, code: 'git-error', message });
  if (range.startsWith('-')) return failed(error('a range may not start with "-"'));
  let commits: string[];
  try {
    const spec = range.includes('..') ? [range] : [`${range}^!`];
    commits = git(repo, ['rev-list', '--reverse', '--no-merges', ...spec, '--'])
      .split('\n')
      .filter(Boolean);
  } catch (e) {
    const stderr = String((e as { stderr?: unknown }).stderr ?? '').split('\n')[0] ?? '';
    return failed(error(`git rev-list failed: ${stderr || 'not a git repository?'}`));
  }
  const out: GitCommitInput[] = [];
  for (const commit of commits) {
    // Fixed prefixes: a user's diff.noprefix or diff.mnemonicPrefix must not change the paths we read.
    const text = git(repo, ['format-patch', '--stdout', '-1', '--no-signature', '--no-color', '--src-prefix=a/', '--dst-prefix=b/', commit]);
    let parent: string;
    try {
      parent = git(repo, ['rev-parse', '--verify', '--quiet', `${commit}^`]).trim();
    } catch {
      parent = git(repo, ['hash-object', '-t', 'tree', '/dev/null']).trim();
    }
    out.push({ name: `git:${commit.slice(0, 12)}`, text, base: new GitTree(repo, parent) });
  }
  return ok(out);
}
