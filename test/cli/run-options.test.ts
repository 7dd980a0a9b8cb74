import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/types.js';
import { REPO, runCli, SAMPLE } from '../helpers/cli.js';
import { HERMETIC_GIT_ENV } from '../helpers/git-env.js';

const EXAMPLE = join(REPO, 'examples', 'deferred-flush.patch');

describe('--arch', () => {
  for (const value of ['', ',', ' , ']) {
    it(`"${value}" names no architecture: one line, exit 2`, async () => {
      const run = await runCli(['review', '--arch', value, SAMPLE]);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/^flushcheck: --arch: no architecture given \(known: x86, arm, riscv, ppc\)\n$/);
    });
  }

  it('an unknown name: one line, exit 2', async () => {
    const run = await runCli(['scan', '--arch', 'x86,sparc', REPO]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^flushcheck: --arch: unknown architecture "sparc" \(known: [^\n]*\)\n$/);
  });

  it('a repeated name is modelled once: the same report as naming it once', async () => {
    const once = await runCli(['review', '--format', 'json', '--arch', 'x86', SAMPLE]);
    const twice = await runCli(['review', '--format', 'json', '--arch', 'x86, x86,x86', SAMPLE]);
    expect(once.code).toBe(1);
    expect(twice.code).toBe(1);
    const json = JSON.parse(twice.stdout) as RunResult;
    expect(json.findings.filter((f) => f.ruleId === 'FC001')).toHaveLength(1);
    expect(twice.stdout).toBe(once.stdout);
  });
});

// A repository whose second commit is the example patch, for --git and the shipped pre-push hook.
let repo: string;
let bin: string;
const GIT_ENV = { ...process.env, ...HERMETIC_GIT_ENV };
const git = (...args: string[]): string => execFileSync('git', args, { cwd: repo, env: GIT_ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/** The preimage of the example's one hunk, at the line the hunk names. */
function preimage(patch: string): string {
  const lines = patch.split('\n');
  const at = lines.findIndex((l) => l.startsWith('@@ '));
  const start = Number(/^@@ -(\d+)/.exec(lines[at]!)![1]);
  const body: string[] = [];
  for (const l of lines.slice(at + 1)) {
    if (l.startsWith('-- ') || l === '--' || l.startsWith('diff ')) break;
    if (l.startsWith(' ') || l.startsWith('-')) body.push(l.slice(1));
    else if (l === '') body.push('');
  }
  while (body.at(-1) === '') body.pop();
  return `${Array.from({ length: start - 1 }, (_, i) => `/* line ${i + 1} */`).join('\n')}\n${body.join('\n')}\n`;
}

beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), 'flushcheck-hook-'));
  git('init', '-q', '-b', 'staging');
  const patch = readFileSync(EXAMPLE, 'utf8');
  mkdirSync(join(repo, 'xen/common'), { recursive: true });
  writeFileSync(join(repo, 'xen/common/balloon.c'), preimage(patch));
  git('add', '-A');
  git('commit', '-q', '--no-gpg-sign', '-m', 'base');
  git('tag', 'base');
  copyFileSync(EXAMPLE, join(repo, 'example.patch'));
  git('apply', 'example.patch');
  rmSync(join(repo, 'example.patch'));
  git('commit', '-q', '--no-gpg-sign', '-am', 'xen/balloon: defer the TLB flush of a batch allocation');
  git('tag', '-a', '-m', 'release', 'v1');
  // `flushcheck` on PATH for the hook: this checkout's CLI through tsx.
  bin = mkdtempSync(join(tmpdir(), 'flushcheck-bin-'));
  writeFileSync(join(bin, 'main.mts'), `import { main, processIo } from ${JSON.stringify(join(REPO, 'src', 'cli.ts'))};\nprocess.exitCode = await main(process.argv.slice(2), processIo());\n`);
  writeFileSync(join(bin, 'flushcheck'), `#!/bin/sh\nexec ${JSON.stringify(join(REPO, 'node_modules', '.bin', 'tsx'))} ${JSON.stringify(join(bin, 'main.mts'))} "$@"\n`);
  chmodSync(join(bin, 'flushcheck'), 0o755);
});

afterAll(() => {
  for (const dir of [repo, bin]) if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('review --git with an empty range', () => {
  it('says there is nothing to review on one line and exits 0, with an empty report', async () => {
    const run = await runCli(['review', '--format', 'json', '--git', 'HEAD..HEAD'], { cwd: repo });
    expect(run.stderr).toBe('flushcheck: git:HEAD..HEAD: no commits in the range (merges are skipped): nothing to review\n');
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout) as RunResult;
    expect(json.inputs).toEqual([]);
    expect(json.findings).toEqual([]);
  });

  it('the same range with a finding in it exits 1 (the empty case is not a blanket pass)', async () => {
    const run = await runCli(['review', '--git', 'base..HEAD'], { cwd: repo });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/FC001/);
  });

  it('an empty standard input stays a usage error (it cannot be told from a broken pipe)', async () => {
    const run = await runCli(['review'], { stdin: '' });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/empty input/);
  });
});

describe('the shipped pre-push hook (ci/hooks/pre-push, quoted in docs/integration.md)', () => {
  const HOOK = join(REPO, 'ci', 'hooks', 'pre-push');
  const zero = '0'.repeat(40);
  const push = (lines: string[], env: Record<string, string> = {}) =>
    spawnSync('sh', [HOOK, 'origin', 'https://example.org/xen.git'], {
      cwd: repo,
      env: { ...GIT_ENV, PATH: `${bin}:${process.env.PATH}`, ...env },
      input: lines.map((l) => `${l}\n`).join(''),
      encoding: 'utf8',
    });

  it('is the hook the documentation shows', () => {
    const docs = readFileSync(join(REPO, 'docs', 'integration.md'), 'utf8');
    expect(docs).toContain(readFileSync(HOOK, 'utf8'));
  });

  it('a tag push passes without reviewing', () => {
    const tag = git('rev-parse', 'v1');
    const run = push([`refs/tags/v1 ${tag} refs/tags/v1 ${zero}`]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('a branch already on the remote (an empty range) passes', () => {
    const head = git('rev-parse', 'HEAD');
    const run = push([`refs/heads/staging ${head} refs/heads/staging ${head}`]);
    expect(run.stderr).toMatch(/nothing to review/);
    expect(run.status).toBe(0);
  });

  it('a deleted branch passes', () => {
    const run = push([`(delete) ${zero} refs/heads/old ${git('rev-parse', 'base')}`]);
    expect(run.status).toBe(0);
  });

  it('a push with the FC001 commit is refused; a new branch is reviewed from FLUSHCHECK_BASE', () => {
    const head = git('rev-parse', 'HEAD');
    const update = push([`refs/heads/staging ${head} refs/heads/staging ${git('rev-parse', 'base')}`]);
    expect(update.stdout).toMatch(/FC001/);
    expect(update.stderr).toMatch(/not pushing/);
    expect(update.status).toBe(1);
    const created = push([`refs/heads/topic ${head} refs/heads/topic ${zero}`], { FLUSHCHECK_BASE: 'base' });
    expect(created.stdout).toMatch(/FC001/);
    expect(created.status).toBe(1);
  });
});
