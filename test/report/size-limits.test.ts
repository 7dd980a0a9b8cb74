import { describe, expect, it } from 'vitest';
import { markdown } from '../../src/report/markdown.js';
import { MAX_COMMENTS, reviewPayload } from '../../src/report/github.js';
import type { Finding, Severity } from '../../src/types.js';
import { sampleRun } from './fixture-run.js';

/** GitHub's limit on a comment or review body, and GitLab's on a note. */
const GITHUB_LIMIT = 65_536;
const GITLAB_LIMIT = 1_000_000;
const MARK: Record<string, Severity> = { '❌': 'error', '⚠️': 'warning', ℹ️: 'note' };
const RANK: Record<Severity, number> = { error: 2, warning: 1, note: 0 };

/** 5,000 findings, notes first in run order, long messages, on lines the diff shows and lines it does not. */
function bigRun() {
  const run = sampleRun();
  const one = run.findings.find((f) => !f.suppressed)!;
  const severities: Severity[] = ['note', 'warning', 'error'];
  run.findings = Array.from(
    { length: 5000 },
    (_, i): Finding => ({
      ...one,
      severity: severities[Math.floor((i * 3) / 5000)]!,
      line: one.line + (i % 40) - 20,
      message: `${one.message} ${'x'.repeat(i % 500)}`,
      fingerprint: `${one.fingerprint}-${i}`,
    }),
  );
  return run;
}

/** The severities of the finding sections a Markdown document shows, in order. */
const shownSeverities = (doc: string): Severity[] => [...doc.matchAll(/^<summary>(❌|⚠️|ℹ️) /gm)].map((m) => MARK[m[1]!]!);

function assertSeverityFirst(shown: readonly Severity[], total: Record<Severity, number>): void {
  for (let i = 1; i < shown.length; i++) expect(RANK[shown[i]!]).toBeLessThanOrEqual(RANK[shown[i - 1]!]);
  // A less severe finding is shown only when every more severe one is.
  for (const s of ['warning', 'note'] as const) {
    if (shown.includes(s)) for (const worse of ['error', 'warning'] as const) if (RANK[worse] > RANK[s]) expect(shown.filter((x) => x === worse).length).toBe(total[worse]);
  }
}

describe('a 5,000-finding run', () => {
  const run = bigRun();
  const total = { error: 0, warning: 0, note: 0 };
  for (const f of run.findings) total[f.severity]++;

  it('markdown: one comment within GitHub and GitLab limits, errors first, the rest counted with a pointer to the full report', () => {
    const doc = markdown(run, { color: false });
    expect(doc.length).toBeLessThanOrEqual(GITHUB_LIMIT);
    expect(doc.length).toBeLessThanOrEqual(GITLAB_LIMIT);
    const shown = shownSeverities(doc);
    expect(shown.length).toBeGreaterThan(0);
    expect(shown[0]).toBe('error');
    assertSeverityFirst(shown, total);
    expect(doc).toMatch(new RegExp(`${5000 - shown.length} more findings \\(.*\\) did not fit in one comment: the full report is the \`flushcheck-report\` artifact`));
  });

  it('github: review body and every comment within the limit, at most MAX_COMMENTS comments, errors first', () => {
    const payload = reviewPayload(run);
    expect(payload.body.length).toBeLessThanOrEqual(GITHUB_LIMIT);
    expect(payload.comments.length).toBeLessThanOrEqual(MAX_COMMENTS);
    for (const c of payload.comments) expect(c.body.length).toBeLessThanOrEqual(GITHUB_LIMIT);
    expect(JSON.stringify(payload).length).toBeLessThan(MAX_COMMENTS * GITHUB_LIMIT + GITHUB_LIMIT * 2);
    // In each comment and in the body, errors before warnings before notes.
    for (const c of payload.comments) {
      const marks = [...c.body.matchAll(/^(❌|⚠️|ℹ️) \*\*/gm)].map((m) => MARK[m[1]!]!);
      for (let i = 1; i < marks.length; i++) expect(RANK[marks[i]!]).toBeLessThanOrEqual(RANK[marks[i - 1]!]);
      expect(marks[0]).toBe('error');
    }
    const body = shownSeverities(payload.body);
    for (let i = 1; i < body.length; i++) expect(RANK[body[i]!]).toBeLessThanOrEqual(RANK[body[i - 1]!]);
    expect(payload.body).toContain('flushcheck-report');
  });
});
