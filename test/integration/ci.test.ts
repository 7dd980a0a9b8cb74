import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { FORMAT_NAMES } from '../../src/report/index.js';
import { MARKDOWN_MARKER } from '../../src/report/markdown.js';
import { REVIEW_MARKER } from '../../src/report/github.js';
import { REPO } from '../helpers/cli.js';

interface Step {
  name: string;
  id?: string;
  if?: string;
  shell?: string;
  run?: string;
  env?: Record<string, string>;
}

const action = parse(readFileSync(join(REPO, 'action.yml'), 'utf8')) as { runs: { using: string; steps: Step[] }; inputs: Record<string, { default: string }> };
const gitlab = parse(readFileSync(join(REPO, 'ci', 'gitlab', 'flushcheck.gitlab-ci.yml'), 'utf8')) as Record<
  string,
  { script: string[]; artifacts: { when: string; reports: { codequality: string } } }
>;

describe('GitHub Action (action.yml)', () => {
  it('is a composite action whose every step names its shell', () => {
    expect(action.runs.using).toBe('composite');
    for (const step of action.runs.steps) if (step.run) expect(step.shell, step.name).toBe('bash');
  });

  it('runs the CLI once, with formats the CLI has, on git diff base...head (no API, any size)', () => {
    const review = action.runs.steps.find((s) => s.id === 'review')!;
    expect(review.run).toContain('diff --no-color --no-ext-diff --no-textconv --src-prefix=a/ --dst-prefix=b/ "$mb" "$HEAD_SHA"');
    expect(review.run).not.toContain('gh pr diff');
    expect(review.run!.match(/node "\$FLUSHCHECK"/g)).toHaveLength(1);
    const formats = [...review.run!.matchAll(/--format "?(\w+)/g)].map((m) => m[1]!);
    for (const format of formats) expect(FORMAT_NAMES).toContain(format);
    expect(formats).toEqual(expect.arrayContaining(['annotations', 'json', 'markdown', 'github', 'sarif']));
    expect(['error', 'warning', 'note', 'never']).toContain(action.inputs['fail-on']!.default);
  });

  it('finds its earlier comment and review by the markers the reporters write', () => {
    const markers = action.runs.steps.map((s) => s.env?.MARKER).filter(Boolean);
    expect(markers).toEqual([MARKDOWN_MARKER, REVIEW_MARKER]);
  });
});

describe('GitLab CI template', () => {
  const job = gitlab['.flushcheck']!;

  it('publishes the --format gitlab output as the Code Quality report, even when the job fails', () => {
    const report = job.artifacts.reports.codequality;
    expect(job.script.every((line) => typeof line === 'string')).toBe(true);
    expect(job.script.some((line) => line.includes(`--format gitlab:${report}`))).toBe(true);
    expect(job.artifacts.when).toBe('always');
  });

  it('decides the job status with --fail-on, after the report is written', () => {
    const reportAt = job.script.findIndex((l) => l.includes('--format gitlab'));
    const gateAt = job.script.findIndex((l) => l.includes('--fail-on "$FLUSHCHECK_FAIL_ON"'));
    expect(reportAt).toBeGreaterThanOrEqual(0);
    expect(gateAt).toBeGreaterThan(reportAt);
  });
});
