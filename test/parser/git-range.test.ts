import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult, Site } from '../../src/types.js';
import { readGitRange } from '../../src/parser/git-range.js';
import { readPatches } from '../../src/parser/read-input.js';
import { fixture, runCli } from '../helpers/cli.js';
import { HERMETIC_GIT_ENV } from '../helpers/git-env.js';

// `review --git RANGE` inside a checkout: a temporary repository holding the
// fixture base tree (fixtures/forms/tree-context.tree) and two commits.

let repo: string;

const GIT_ENV = { ...process.env, ...HERMETIC_GIT_ENV };

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: repo, env: GIT_ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function commitAll(message: string, date: string): void {
  git('add', '-A');
  execFileSync('git', ['commit', '-q', '--no-gpg-sign', '-m', message], { cwd: repo, env: { ...GIT_ENV, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date } });
}

function edit(path: string, before: string, after: string): void {
  const full = join(repo, path);
  const text = readFileSync(full, 'utf8');
  if (!text.includes(before)) throw new Error(`${path}: text to replace not found`);
  writeFileSync(full, text.replace(before, after));
}

/** Every file of the work tree (outside .git) with its bytes, to prove nothing changed. */
function snapshot(): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      if (name === '.git') continue;
      if (statSync(full).isDirectory()) walk(full);
      else out[relative(repo, full)] = readFileSync(full, 'base64');
    }
  };
  walk(repo);
  return out;
}

beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), 'flushcheck-git-'));
  git('init', '-q', '-b', 'staging');
  // The user's diff configuration must not change what flushcheck reads.
  git('config', 'diff.noprefix', 'true');
  cpSync(fixture('forms', 'tree-context.tree'), repo, { recursive: true });
  commitAll('base', '2024-03-01T09:00:00+0000');
  edit(
    'xen/include/xen/mm.h',
    'static inline void filtered_flush_tlb_mask(',
    [
      '/* Flush the CPUs that may still hold translations of a reused run. */',
      'static inline void flush_reused_run(const cpumask_t *mask, bool was_pagetable)',
      '{',
      '    if ( was_pagetable )',
      '        arch_flush_tlb_mask(mask);',
      '    else',
      '        flush_tlb_mask(mask);',
      '}',
      '',
      'static inline void filtered_flush_tlb_mask(',
    ].join('\n'),
  );
  commitAll('xen/mm: add flush_reused_run()', '2024-03-07T16:40:12+0000');
  edit('xen/arch/x86/mm.c', '\n    flush_tlb_mask(d->dirty_cpumask);\n', '\n    if ( i )\n        flush_reused_run(d->dirty_cpumask, false);\n');
  git('mv', 'xen/common/grant_table.c', 'xen/common/grant-table.c');
  commitAll('x86/mm: flush unmapped ranges with flush_reused_run()', '2024-03-07T16:40:13+0000');
});

afterAll(() => {
  if (repo) rmSync(repo, { recursive: true, force: true });
});

const row = (s: Site): string => `p${s.patch} ${s.file}:${s.line} ${s.side} ${s.change} ${s.function ?? '-'} ${s.kind} ${s.api}`;

describe('review --git RANGE', () => {
  it('reviews each commit against its parent, read through git, and leaves the work tree alone', async () => {
    // Uncommitted changes that would mislead a reader of the work tree:
    // mm.c gone and mm.h rewritten. Git still has both at every revision.
    rmSync(join(repo, 'xen/arch/x86/mm.c'));
    writeFileSync(join(repo, 'xen/include/xen/mm.h'), '/* not the committed file */\n');
    const status = git('status', '--porcelain');
    const before = snapshot();

    const cli = await runCli(['review', '--format', 'json', '--git', 'HEAD~2..HEAD'], { cwd: repo });
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    const run = JSON.parse(cli.stdout) as RunResult;

    const heads = git('rev-list', '--reverse', 'HEAD~2..HEAD').trim().split('\n');
    expect(run.inputs.map((i) => [i.name, i.form, i.patches])).toEqual(heads.map((h) => [`git:${h.slice(0, 12)}`, 'git', 1]));
    expect(run.patches.map((p) => [p.subject, p.author, p.date, p.commit])).toEqual([
      ['[PATCH] xen/mm: add flush_reused_run()', 'Ines Duarte <ines.duarte@example.org>', 'Thu, 7 Mar 2024 16:40:12 +0000', heads[0]],
      ['[PATCH] x86/mm: flush unmapped ranges with flush_reused_run()', 'Ines Duarte <ines.duarte@example.org>', 'Thu, 7 Mar 2024 16:40:13 +0000', heads[1]],
    ]);
    // The second commit's hunk is headed by the `out:` label, so only the
    // whole file from git names unmap_guest_range; the helper defined by the
    // first commit is a flush in the second.
    expect(git('show', '--format=', 'HEAD', '--', 'xen/arch/x86/mm.c')).toMatch(/^@@ -\d+,\d+ \+\d+,\d+ @@ out:$/m);
    expect(run.sites.map(row)).toEqual([
      'p0 xen/include/xen/mm.h:42 new unchanged accumulate_tlbflush flag-use need_tlbflush',
      'p0 xen/include/xen/mm.h:46 new added flush_reused_run definition flush_reused_run',
      'p0 xen/include/xen/mm.h:49 new added flush_reused_run call arch_flush_tlb_mask',
      'p0 xen/include/xen/mm.h:51 new added flush_reused_run call flush_tlb_mask',
      'p0 xen/include/xen/mm.h:54 new unchanged filtered_flush_tlb_mask definition filtered_flush_tlb_mask',
      'p1 xen/arch/x86/mm.c:57 old removed unmap_guest_range call flush_tlb_mask',
      'p1 xen/arch/x86/mm.c:58 new added unmap_guest_range call flush_reused_run',
    ]);
    // Parsed whole from git, the definition the hunk shows only the head of is complete.
    const head = run.sites.find((s) => s.api === 'filtered_flush_tlb_mask')?.definition;
    expect(head?.form).toBe('inline-function');
    expect(head?.partial).toBeUndefined();
    expect(head?.body).toContain('tlbflush_filter(&mask, tlbflush_timestamp);');
    expect(run.sites.find((s) => s.api === 'flush_reused_run' && s.kind === 'call')).toMatchObject({ args: ['d->dirty_cpumask', 'false'], guards: ['i'], family: 'helper' });

    expect(git('status', '--porcelain')).toBe(status);
    expect(snapshot()).toEqual(before);
    git('checkout', '-q', '--', '.');
  });

  it("reads paths exactly whatever the checkout's diff configuration (diff.noprefix here)", () => {
    const commits = readGitRange(repo, 'HEAD');
    if (!commits.ok) throw new Error(commits.error.message);
    const read = readPatches('git', commits.value[0]!.text, 0);
    if (!read.ok) throw new Error(read.error.message);
    expect(read.value.patches[0]!.files.map((f) => [f.oldPath, f.newPath, f.status])).toEqual([
      ['xen/arch/x86/mm.c', 'xen/arch/x86/mm.c', 'modified'],
      ['xen/common/grant_table.c', 'xen/common/grant-table.c', 'renamed'],
    ]);
  });

  it('a range git does not know is one clear error line and exit 2', async () => {
    const cli = await runCli(['review', '--git', 'no-such-ref..HEAD'], { cwd: repo });
    expect(cli.code).toBe(2);
    expect(cli.stderr.trim().split('\n')).toHaveLength(1);
    expect(cli.stderr).toMatch(/^flushcheck: git:no-such-ref\.\.HEAD: git rev-list failed: /);
  });
});
