import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { findingMarker, reviewPayload, REVIEW_MARKER } from '../../src/report/github.js';
import { FULL_REPORT_POINTER, MARKDOWN_MARKER } from '../../src/report/markdown.js';
import { fixture, REPO, runCli } from '../helpers/cli.js';
import { sampleRun } from '../report/fixture-run.js';

// What the CI recipes trust: only the bot's own comments, and only the base's configuration and suppressions.

interface Step {
  name: string;
  id?: string;
  uses?: string;
  run?: string;
  with?: Record<string, string>;
}
const action = parse(readFileSync(join(REPO, 'action.yml'), 'utf8')) as { runs: { steps: Step[] } };
const gitlab = (parse(readFileSync(join(REPO, 'ci', 'gitlab', 'flushcheck.gitlab-ci.yml'), 'utf8')) as Record<string, { script: string[]; artifacts: { name: string; paths: string[] } }>)[
  '.flushcheck'
]!;
const hasJq = spawnSync('jq', ['--version']).status === 0;
const BOT = 'github-actions[bot]';

/** `gh api --paginate` prints one JSON array per page; the action slurps them into own.jq. */
const own = (pages: unknown[][], marker: string): { id: number; body: string }[] =>
  JSON.parse(
    execFileSync('jq', ['-s', '--arg', 'bot', BOT, '--arg', 'marker', marker, '-f', join(REPO, 'ci', 'github', 'own.jq')], { input: pages.map((p) => JSON.stringify(p)).join('\n') }).toString(),
  );

describe('GitHub Action: only the bot’s own comments count', () => {
  it.skipIf(!hasJq)('a marker in someone else’s comment is ignored, on every page', () => {
    const pages = [
      [{ id: 1, user: { login: 'mallory' }, body: `${MARKDOWN_MARKER}\nfake` }],
      [
        { id: 2, user: { login: BOT }, body: 'unrelated' },
        { id: 3, user: { login: BOT }, body: `${MARKDOWN_MARKER}\nours` },
      ],
    ];
    expect(own(pages, MARKDOWN_MARKER).map((c) => c.id)).toEqual([3]);
    expect(own([[{ id: 4, user: { login: 'mallory' }, body: REVIEW_MARKER }]], REVIEW_MARKER)).toEqual([]);
  });

  it.skipIf(!hasJq)('a pull-request author who pre-posts finding markers does not silence the review', () => {
    const payload = reviewPayload(sampleRun());
    const marker = /<!-- flushcheck:finding [0-9a-f-]+ -->/.exec(payload.comments[0]!.body)![0];
    const posted = own([[{ id: 5, user: { login: 'mallory' }, body: `nothing to see\n${marker}` }]], '')
      .map((c) => c.body)
      .join('\n');
    const out = JSON.parse(
      execFileSync('jq', ['--arg', 'posted', posted, '--arg', 'sha', 'f00d', '-f', join(REPO, 'ci', 'github', 'new-comments.jq')], { input: JSON.stringify(payload) }).toString(),
    ) as { comments: unknown[] };
    expect(out.comments).toHaveLength(payload.comments.length);
    expect(findingMarker('0123abcd')).toContain('0123abcd');
  });

  it('every lookup of earlier comments and reviews goes through own.jq with the bot’s login', () => {
    const lookups = action.runs.steps.flatMap((s) => (s.run ?? '').split('\n').filter((l) => /gh api "repos\/\$GITHUB_REPOSITORY\/(issues|pulls)\/\$PR\/(comments|reviews)"/.test(l)));
    expect(lookups).toHaveLength(3);
    const runs = action.runs.steps.map((s) => s.run ?? '').join('\n');
    expect(runs.match(/-f "\$GITHUB_ACTION_PATH\/ci\/github\/own\.jq"/g)).toHaveLength(3);
    expect(runs).not.toMatch(/--jq '[^']*startswith/);
  });
});

describe('configuration and suppressions come from the base', () => {
  const review = action.runs.steps.find((s) => s.id === 'review')!.run!;

  it('the action reads the configuration at the base commit and always passes it, with --suppressions base', () => {
    expect(review).toMatch(/git show "\$BASE_SHA:\$\{CONFIG_FILE:-\.flushcheck\.json\}"/);
    expect(review).toContain('--config-file "$config" --suppressions base');
    expect(review).not.toContain('--config-file "$CONFIG_FILE"');
  });

  it('the GitLab job reads it with git show at the range’s base and passes it to every run', () => {
    expect(gitlab.script.join('\n')).toContain('git show "$base:$FLUSHCHECK_CONFIG"');
    const reviews = gitlab.script.flatMap((l) => l.split('\n')).filter((l) => l.trim().startsWith('flushcheck review'));
    expect(reviews.length).toBeGreaterThanOrEqual(1);
    for (const line of reviews) expect(line).toContain('$FLUSHCHECK_TRUST');
    // scan has no patch, so no --suppressions; the configuration is still the base's.
    for (const line of gitlab.script.filter((l) => l.startsWith('flushcheck scan'))) expect(line).toContain('--config-file "$work/config.json"');
    expect(gitlab.script.join('\n')).toMatch(/FLUSHCHECK_TRUST="--config-file \S+ --suppressions base"/);
  });

  describe('an explicit --config-file means the checkout’s own .flushcheck.json is never read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flushcheck-trust-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, '.flushcheck.json'), JSON.stringify({ rules: { FC001: 'off' } }));
    writeFileSync(join(dir, 'base.json'), '{}');
    const active = async (...args: string[]): Promise<number> => {
      const run = await runCli(['review', '--format', 'json', '--fail-on', 'never', ...args, fixture('cases', 'alloc-filter-plain.diff')], { cwd: dir });
      return (JSON.parse(run.stdout) as { findings: { ruleId: string }[] }).findings.filter((f) => f.ruleId === 'FC001').length;
    };

    it('without it, the pull request’s file would turn FC001 off', async () => {
      expect(await active()).toBe(0);
    });

    it('with the base’s (here: none, so {}), FC001 is reported', async () => {
      expect(await active('--config-file', join(dir, 'base.json'))).toBe(1);
    });
  });
});

describe('the full report is an artifact the truncated comment points to', () => {
  it('the action uploads it as flushcheck-report; the GitLab job keeps it under that name', () => {
    const upload = action.runs.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
    expect(upload?.with?.name).toBe('flushcheck-report');
    expect(gitlab.artifacts.name).toBe('flushcheck-report');
    expect(gitlab.artifacts.paths).toContain('flushcheck-report.json');
    expect(FULL_REPORT_POINTER).toContain('`flushcheck-report` artifact');
  });
});
