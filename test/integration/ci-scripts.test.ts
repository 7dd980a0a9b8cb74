import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../helpers/cli.js';
import { type ActionRun, ghBody, ghCalls, git, gitlabRulesMatch, type Host, loadGitlabJob, makeHost, npmCalls, runAction, runGitlabSection } from '../helpers/ci-host.js';

/*
 * The recipes' script sections, run against a local git repository the way
 * the hosts run them (test/helpers/ci-host.ts), with gh and npm stubbed on
 * PATH. The pull request is fixtures/cases/chain-alloc-plain: its finding
 * (FC001 at xen/common/pool_flush.c:14) shows only with the base tree, so a
 * recipe that loses the base tree loses the finding.
 */

const REPOSITORY = 'xen/xen';
/** The action reads GitHub's lists with jq, as on GitHub's runners; the cases that post need it. */
const hasJq = spawnSync('jq', ['--version']).status === 0;
const ZERO = '0'.repeat(40);
const FINDING = /xen\/common\/pool_flush\.c/;
/** Each case starts several processes; on a loaded two-core machine that can take minutes (never asserted). */
const SLOW = 600_000;

let dir: string;
let origin: string;
let work: string;
/** base: where every branch starts; staging: the target branch's tip, one commit later (not C). */
const sha: Record<'base' | 'staging' | 'feature' | 'docs' | 'large', string> = { base: '', staging: '', feature: '', docs: '', large: '' };
const pulls = { feature: 1, large: 2, docs: 3, empty: 4 };

function commitAll(repo: string, message: string): string {
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '--no-gpg-sign', '-m', message);
  return git(repo, 'rev-parse', 'HEAD');
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'flushcheck-ci-'));
  const dev = join(dir, 'dev');
  mkdirSync(dev);
  git(dev, 'init', '-q', '-b', 'staging');
  cpSync(fixture('cases', 'chain-alloc-plain.tree'), dev, { recursive: true });
  writeFileSync(join(dev, 'README'), 'A hypervisor.\n');
  sha.base = commitAll(dev, 'base');
  git(dev, 'checkout', '-q', '-b', 'feature');
  git(dev, 'apply', fixture('cases', 'chain-alloc-plain.diff'));
  sha.feature = commitAll(dev, 'xen/pool: flush the pool with the plain helper');
  git(dev, 'checkout', '-q', '-b', 'large', sha.base);
  mkdirSync(join(dev, 'docs', 'many'), { recursive: true });
  for (let i = 0; i < 350; i++) writeFileSync(join(dev, 'docs', 'many', `note-${i}.txt`), `note ${i}\n`);
  git(dev, 'apply', fixture('cases', 'chain-alloc-plain.diff'));
  sha.large = commitAll(dev, 'docs: 350 notes, and the plain pool flush');
  git(dev, 'checkout', '-q', '-b', 'docs', sha.base);
  writeFileSync(join(dev, 'README'), 'A hypervisor, with notes.\n');
  sha.docs = commitAll(dev, 'README: a word more');
  git(dev, 'checkout', '-q', 'staging');
  writeFileSync(join(dev, 'CHANGELOG'), 'Nothing yet.\n');
  sha.staging = commitAll(dev, 'CHANGELOG: start it');
  // The host's repository: branches, and GitHub's refs/pull/N/head; fetching a reachable commit by id allowed, as on GitHub.
  origin = join(dir, 'origin.git');
  git(dir, 'clone', '-q', '--bare', dev, origin);
  git(origin, 'config', 'uploadpack.allowReachableSHA1InWant', 'true');
  for (const [branch, n] of Object.entries(pulls)) git(origin, 'update-ref', `refs/pull/${n}/head`, branch === 'empty' ? sha.staging : sha[branch as keyof typeof sha]);
  work = join(dir, 'work');
  git(dir, 'clone', '-q', `file://${origin}`, work);
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A fresh runner: its own stubs and action copy, and a checkout of `head` (shallow: only that commit). */
function checkout(name: string, head: string, shallow = false): { host: Host; scratch: string; workspace: string } {
  const scratch = join(dir, name);
  mkdirSync(scratch);
  const host = makeHost(scratch);
  const workspace = join(scratch, 'workspace');
  if (shallow) {
    git(scratch, 'init', '-q', 'workspace');
    git(workspace, 'remote', 'add', 'origin', `file://${origin}`);
    git(workspace, 'fetch', '-q', '--depth=1', 'origin', head);
    git(workspace, 'checkout', '-q', '--detach', 'FETCH_HEAD');
  } else {
    git(scratch, 'clone', '-q', `file://${origin}`, 'workspace');
    git(workspace, 'checkout', '-q', '--detach', head);
  }
  return { host, scratch, workspace };
}

function pullRequest(number: number, head: string, headRepo = REPOSITORY): object {
  return { pull_request: { number, base: { sha: sha.staging }, head: { sha: head, repo: { full_name: headRepo } } } };
}

const annotations = (run: ActionRun): string[] => run.log.split('\n').filter((l) => /^::(error|warning|notice) /.test(l));
const posts = (host: Host): string[] => ghCalls(host).filter((c) => /-X (POST|PATCH)/.test(c));

describe('GitHub Action: the composite steps against a local repository', { timeout: SLOW }, () => {
  it.skipIf(!hasJq)('a pull request from this repository: annotations, summary, the comment updated in place (found on page 2), one build', () => {
    const { host, scratch, workspace } = checkout('gh-same', sha.feature);
    // Two pages of comments: someone else's with the marker first, the bot's own on the second page.
    writeFileSync(
      join(host.stubDir, 'pages', `repos_xen_xen_issues_${pulls.feature}_comments`),
      `${JSON.stringify([{ id: 11, user: { login: 'mallory' }, body: '<!-- flushcheck:review -->\nfake' }])}\n${JSON.stringify([{ id: 42, user: { login: 'github-actions[bot]' }, body: '<!-- flushcheck:review -->\nold' }])}\n`,
    );
    const run = runAction(host, { dir: scratch, workspace, event: pullRequest(pulls.feature, sha.feature), repository: REPOSITORY });
    expect(run.outputs.review!['exit-code'], run.steps.map((s) => s.stderr).join('\n')).toBe('1');
    expect(annotations(run).some((l) => /^::error file=xen\/common\/pool_flush\.c,line=14,title=FC001 /.test(l))).toBe(true);
    expect(run.summary).toMatch(FINDING);
    const sent = posts(host);
    expect(sent).toEqual([expect.stringMatching(/^api -X PATCH repos\/xen\/xen\/issues\/comments\/42 /)]);
    const n = ghCalls(host).indexOf(sent[0]!) + 1;
    expect(ghBody(host, n)).toMatch(/^<!-- flushcheck:review -->/);
    expect(ghBody(host, n)).toMatch(FINDING);
    expect(
      ghCalls(host)
        .filter((c) => c.includes('/comments') && !c.startsWith('api -X'))
        .every((c) => c.includes('--paginate')),
    ).toBe(true);
    expect(run.failed).toBe(true);
    expect(run.steps.at(-1)!.code).toBe(1);
    expect(npmCalls(host)).toEqual([expect.stringMatching(/^ci --no-audit --no-fund \(in .*action\)$/)]);
    // The same action again in this job: already built.
    runAction(host, { dir: join(scratch, 'again'), workspace, event: pullRequest(pulls.feature, sha.feature), repository: REPOSITORY });
    expect(npmCalls(host)).toHaveLength(1);
    // The base tree was a temporary worktree: gone, the checkout untouched.
    expect(git(workspace, 'worktree', 'list').split('\n')).toHaveLength(1);
    expect(git(workspace, 'status', '--porcelain')).toBe('');
  });

  it('a pull request from a fork: annotations and the job summary only, nothing posted', () => {
    const { host, scratch, workspace } = checkout('gh-fork', sha.feature);
    const run = runAction(host, { dir: scratch, workspace, event: pullRequest(pulls.feature, sha.feature, 'mallory/xen'), repository: REPOSITORY });
    expect(run.outputs.review!['exit-code']).toBe('1');
    expect(annotations(run).some((l) => l.startsWith('::error file=xen/common/pool_flush.c,line=14,'))).toBe(true);
    expect(run.summary).toMatch(FINDING);
    expect(ghCalls(host)).toEqual([]);
    expect(run.failed).toBe(true);
  });

  it.skipIf(!hasJq)('a pull request of more than 300 files, from a shallow checkout: the history fetched, the diff from git, the finding kept', () => {
    const { host, scratch, workspace } = checkout('gh-large', sha.large, true);
    const run = runAction(host, { dir: scratch, workspace, event: pullRequest(pulls.large, sha.large), repository: REPOSITORY });
    expect(run.outputs.review!['exit-code'], run.steps.map((s) => s.stderr).join('\n')).toBe('1');
    expect(readFileSync(join(scratch, 'runner-temp', 'flushcheck', 'pr.diff'), 'utf8').match(/^diff --git /gm)).toHaveLength(351);
    expect(annotations(run).some((l) => l.startsWith('::error file=xen/common/pool_flush.c,line=14,'))).toBe(true);
    expect(ghCalls(host).some((c) => c.startsWith('pr '))).toBe(false);
    expect(posts(host)).toEqual([expect.stringMatching(/^api -X POST repos\/xen\/xen\/issues\/2\/comments /)]);
  });

  it('a pull request that changes no C source or header: silent (no comment, no annotation), the job passes', () => {
    const { host, scratch, workspace } = checkout('gh-docs', sha.docs);
    const run = runAction(host, { dir: scratch, workspace, event: pullRequest(pulls.docs, sha.docs), repository: REPOSITORY });
    expect(run.outputs.review!['exit-code']).toBe('0');
    expect(run.log).toContain('changes no C source or header');
    expect(annotations(run)).toEqual([]);
    expect(ghCalls(host)).toEqual([]);
    expect(run.failed).toBe(false);
    expect(run.steps.find((s) => s.name === 'Upload the full report')!.ran).toBe(false);
  });

  it('an empty range (the head is the base): silent, the job passes', () => {
    const { host, scratch, workspace } = checkout('gh-empty', sha.staging);
    const run = runAction(host, { dir: scratch, workspace, event: pullRequest(pulls.empty, sha.staging), repository: REPOSITORY });
    expect(run.outputs.review!['exit-code']).toBe('0');
    expect(ghCalls(host)).toEqual([]);
    expect(run.failed).toBe(false);
  });

  it.skipIf(!hasJq)('review mode: the first run posts a review with the finding; the next, seeing it on page 2, posts nothing', () => {
    const { host, scratch, workspace } = checkout('gh-review', sha.feature);
    const first = runAction(host, { dir: scratch, workspace, event: pullRequest(pulls.feature, sha.feature), repository: REPOSITORY, inputs: { mode: 'review' } });
    expect(first.outputs.review!['exit-code']).toBe('1');
    const sent = posts(host);
    expect(sent).toEqual([expect.stringMatching(/^api -X POST repos\/xen\/xen\/pulls\/1\/reviews /)]);
    const review = JSON.parse(ghBody(host, ghCalls(host).indexOf(sent[0]!) + 1)) as { commit_id: string; body: string; comments: { path: string; body: string }[] };
    expect(review.commit_id).toBe(sha.feature);
    expect(review.comments.map((c) => c.path)).toEqual(['xen/common/pool_flush.c']);
    // What GitHub would list next time, on the second page of each list.
    const bot = 'github-actions[bot]';
    writeFileSync(
      join(host.stubDir, 'pages', `repos_xen_xen_pulls_${pulls.feature}_comments`),
      `[]\n${JSON.stringify(review.comments.map((c, i) => ({ id: 100 + i, user: { login: bot }, body: c.body })))}\n`,
    );
    writeFileSync(join(host.stubDir, 'pages', `repos_xen_xen_pulls_${pulls.feature}_reviews`), `[]\n${JSON.stringify([{ id: 7, user: { login: bot }, body: review.body }])}\n`);
    const before = ghCalls(host).length;
    runAction(host, { dir: join(scratch, 'again'), workspace, event: pullRequest(pulls.feature, sha.feature), repository: REPOSITORY, inputs: { mode: 'review' } });
    expect(
      ghCalls(host)
        .slice(before)
        .filter((c) => /-X (POST|PATCH)/.test(c)),
    ).toEqual([]);
  });
});

describe('GitLab template: before_script and script against a local repository', { timeout: SLOW }, () => {
  const job = loadGitlabJob();
  const pipeline = (vars: Record<string, string>, name: string, head: string): { host: Host; workspace: string; run: ReturnType<typeof runGitlabSection> } => {
    const { host, workspace } = checkout(name, head);
    const base = { CI_DEFAULT_BRANCH: 'staging', CI_PROJECT_PATH: REPOSITORY, CI_COMMIT_SHA: head, FLUSHCHECK_SOURCE: 'git+https://git.example.org/flushcheck.git#v0.1.0' };
    expect(gitlabRulesMatch(job.rules, { ...base, ...vars })).toBe(true);
    return { host, workspace, run: runGitlabSection(host, job.script, { cwd: workspace, vars: { ...base, ...vars } }) };
  };
  const report = (workspace: string): { findings: { file: string; line: number; ruleId: string }[] } => JSON.parse(readFileSync(join(workspace, 'flushcheck-report.json'), 'utf8'));
  const codeQuality = (workspace: string): { location: { path: string } }[] => JSON.parse(readFileSync(join(workspace, job.artifacts.reports.codequality), 'utf8'));

  it('installs only from a pinned git ref or a tarball, never a registry name', () => {
    const { host, workspace } = checkout('gl-install', sha.feature);
    for (const refused of ['', 'flushcheck', 'flushcheck@0.1.0', 'git+https://git.example.org/flushcheck.git', 'https://evil.example/x.js']) {
      const run = runGitlabSection(host, job.before_script, { cwd: workspace, vars: { FLUSHCHECK_SOURCE: refused } });
      expect(run.code, refused).toBe(2);
      expect(run.stderr, refused).toMatch(/FLUSHCHECK_SOURCE/);
    }
    expect(npmCalls(host)).toEqual([]);
    for (const source of ['git+https://git.example.org/flushcheck.git#v0.1.0', 'https://git.example.org/flushcheck/-/releases/flushcheck-0.1.0.tgz'])
      expect(runGitlabSection(host, job.before_script, { cwd: workspace, vars: { FLUSHCHECK_SOURCE: source } }).code).toBe(0);
    expect(npmCalls(host).map((c) => c.replace(/ \(in .*/, ''))).toEqual([
      'install --global --no-audit --no-fund git+https://git.example.org/flushcheck.git#v0.1.0',
      'install --global --no-audit --no-fund https://git.example.org/flushcheck/-/releases/flushcheck-0.1.0.tgz',
    ]);
    expect(job.image).toMatch(/^node:(22|24)\b/);
  });

  it('a merge-request pipeline: the merge request’s commits reviewed with their base tree, every artifact written, the job fails on the error', () => {
    const { run, workspace } = pipeline({ CI_PIPELINE_SOURCE: 'merge_request_event', CI_MERGE_REQUEST_DIFF_BASE_SHA: sha.base, CI_MERGE_REQUEST_IID: '1' }, 'gl-mr', sha.feature);
    expect(run.code, run.stderr).toBe(1);
    expect(report(workspace).findings.map((f) => [f.ruleId, f.file, f.line])).toContainEqual(['FC001', 'xen/common/pool_flush.c', 14]);
    expect(run.stdout).toMatch(FINDING);
    for (const path of job.artifacts.paths) expect(existsSync(join(workspace, path)), path).toBe(true);
    expect((JSON.parse(readFileSync(join(workspace, 'flushcheck.sarif'), 'utf8')) as { version: string }).version).toBe('2.1.0');
    expect(codeQuality(workspace).some((i) => FINDING.test(i.location.path))).toBe(true);
    // The base tree was a temporary worktree: gone.
    expect(git(workspace, 'worktree', 'list').split('\n')).toHaveLength(1);
  });

  it('a branch pipeline (a push): the pushed commits reviewed; a new branch from its merge base with the default branch', () => {
    const push = pipeline({ CI_PIPELINE_SOURCE: 'push', CI_COMMIT_BRANCH: 'feature', CI_COMMIT_BEFORE_SHA: sha.base }, 'gl-push', sha.feature);
    expect(push.run.code, push.run.stderr).toBe(1);
    expect(push.run.stdout).toContain(`reviewing ${sha.base}...${sha.feature}`);
    const created = pipeline({ CI_PIPELINE_SOURCE: 'push', CI_COMMIT_BRANCH: 'feature', CI_COMMIT_BEFORE_SHA: ZERO }, 'gl-new-branch', sha.feature);
    expect(created.run.code, created.run.stderr).toBe(1);
    expect(created.run.stdout).toContain(`reviewing ${sha.base}...${sha.feature}`);
    expect(report(created.workspace).findings.some((f) => f.ruleId === 'FC001')).toBe(true);
  });

  it('the default branch’s pipeline writes the target side of the Code Quality comparison, without the merge request’s finding', () => {
    const target = pipeline({ CI_PIPELINE_SOURCE: 'push', CI_COMMIT_BRANCH: 'staging', CI_COMMIT_BEFORE_SHA: sha.base }, 'gl-default', sha.staging);
    expect(target.run.code, target.run.stderr).toBe(0);
    expect(codeQuality(target.workspace).some((i) => FINDING.test(i.location.path))).toBe(false);
  });

  it('a push of more than 300 files on a new branch: reviewed whole', () => {
    const { run, workspace } = pipeline({ CI_PIPELINE_SOURCE: 'push', CI_COMMIT_BRANCH: 'large', CI_COMMIT_BEFORE_SHA: ZERO }, 'gl-large', sha.large);
    expect(run.code, run.stderr).toBe(1);
    expect(report(workspace).findings.some((f) => f.ruleId === 'FC001' && f.file === 'xen/common/pool_flush.c')).toBe(true);
  });

  it('a push without C: reviewed, nothing found, the job passes', () => {
    const { run, workspace } = pipeline({ CI_PIPELINE_SOURCE: 'push', CI_COMMIT_BRANCH: 'docs', CI_COMMIT_BEFORE_SHA: sha.base }, 'gl-docs', sha.docs);
    expect(run.code, run.stderr).toBe(0);
    expect(report(workspace).findings).toEqual([]);
  });

  it('an empty range (a re-run pipeline: before is the head): nothing to review, reports still written, the job passes', () => {
    const { run, workspace } = pipeline({ CI_PIPELINE_SOURCE: 'push', CI_COMMIT_BRANCH: 'feature', CI_COMMIT_BEFORE_SHA: sha.feature }, 'gl-empty', sha.feature);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('nothing to review');
    expect(existsSync(join(workspace, job.artifacts.reports.codequality))).toBe(true);
    expect(git(workspace, 'worktree', 'list').split('\n')).toHaveLength(1);
  });

  it('runs in branch and merge-request pipelines, not for tags', () => {
    expect(gitlabRulesMatch(job.rules, { CI_PIPELINE_SOURCE: 'push', CI_COMMIT_TAG: 'RELEASE-4.19.0' })).toBe(false);
    expect(gitlabRulesMatch(job.rules, { CI_PIPELINE_SOURCE: 'merge_request_event' })).toBe(true);
    expect(gitlabRulesMatch(job.rules, { CI_PIPELINE_SOURCE: 'push', CI_COMMIT_BRANCH: 'staging' })).toBe(true);
  });
});
