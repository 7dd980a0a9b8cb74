import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findingMarker, reviewPayload } from '../../src/report/github.js';
import { REPO } from '../helpers/cli.js';
import { sampleRun } from '../report/fixture-run.js';

// jq is a system tool (scripts/test-deps.sh installs it), so this runs in the system tier.
describe('GitHub Action (action.yml)', () => {
  it('its jq filter drops comments on findings already posted and pins the head commit', () => {
    const payload = reviewPayload(sampleRun());
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
