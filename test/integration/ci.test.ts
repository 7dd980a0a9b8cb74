import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { FORMAT_NAMES } from '../../src/report/index.js';
import { MARKDOWN_MARKER } from '../../src/report/markdown.js';
import { findingMarker, reviewPayload, REVIEW_MARKER } from '../../src/report/github.js';
import { REPO } from '../helpers/cli.js';
import { seedRun } from '../report/fixture-run.js';

interface Step {
  name: string;
  id?: string;
  if?: string;
  shell?: string;
  run?: string;
  env?: Record<string, string>;
}

const action = parse(readFileSync(join(REPO, 'action.yml'), 'utf8')) as { runs: { using: string; steps: Step[] }; inputs: Record<string, { default: string }> };
const gitlab = parse(readFileSync(join(REPO, 'ci', 'gitlab', 'flushcheck.gitlab-ci.yml'), 'utf8')) as Record<string, { script: string[]; artifacts: { when: string; reports: { codequality: string } } }>;
const hasJq = spawnSync('jq', ['--version']).status === 0;

describe('GitHub Action (action.yml)', () => {
  it('is a composite action whose every step names its shell', () => {
    expect(action.runs.using).toBe('composite');
    for (const step of action.runs.steps) if (step.run) expect(step.shell, step.name).toBe('bash');
  });

  it('runs the CLI with formats the CLI has, on the pull request diff', () => {
    const review = action.runs.steps.find((s) => s.id === 'review')!;
    expect(review.run).toContain('gh pr diff "$PR"');
    for (const format of [...review.run!.matchAll(/format=(\w+)/g)].map((m) => m[1]!)) expect(FORMAT_NAMES).toContain(format);
    expect(review.run).toContain('--format sarif');
    expect(['error', 'warning', 'note', 'never']).toContain(action.inputs['fail-on']!.default);
  });

  it('finds its earlier comment and review by the markers the reporters write', () => {
    const markers = action.runs.steps.map((s) => s.env?.MARKER).filter(Boolean);
    expect(markers).toEqual([MARKDOWN_MARKER, REVIEW_MARKER]);
  });

  it.skipIf(!hasJq)('its jq filter drops comments on findings already posted and pins the head commit', () => {
    const payload = reviewPayload(seedRun());
    const first = payload.comments[0]!;
    const twin = { ...first, line: first.line + 1, body: `other\n${findingMarker('0123abcd')}` };
    const input = JSON.stringify({ ...payload, comments: [first, twin] });
    const jq = (posted: string): { commit_id: string; comments: { body: string }[]; body: string } =>
      JSON.parse(execFileSync('jq', ['--arg', 'posted', posted, '--arg', 'sha', 'f00d', '-f', join(REPO, 'ci', 'github', 'new-comments.jq')], { input }).toString());
    const none = jq('');
    expect(none.comments).toHaveLength(2);
    expect(none.commit_id).toBe('f00d');
    expect(none.body).toBe(payload.body);
    const marker = /<!-- flushcheck:finding [0-9a-f-]+ -->/.exec(first.body)![0];
    expect(jq(`an earlier comment\n${marker}\n`).comments.map((c) => c.body)).toEqual([twin.body]);
  });
});

describe('GitLab CI template', () => {
  const job = gitlab['.flushcheck']!;

  it('publishes the --format gitlab output as the Code Quality report, even when the job fails', () => {
    const report = job.artifacts.reports.codequality;
    expect(job.script.some((line) => line.includes('--format gitlab') && line.includes(`> ${report}`))).toBe(true);
    expect(job.artifacts.when).toBe('always');
  });

  it('decides the job status with --fail-on, after the report is written', () => {
    const reportAt = job.script.findIndex((l) => l.includes('--format gitlab'));
    const gateAt = job.script.findIndex((l) => l.includes('--fail-on "$FLUSHCHECK_FAIL_ON"'));
    expect(reportAt).toBeGreaterThanOrEqual(0);
    expect(gateAt).toBeGreaterThan(reportAt);
  });
});
