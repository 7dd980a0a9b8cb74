import { describe, expect, it } from 'vitest';
import { runCli, SAMPLE } from '../helpers/cli.js';
import { describeVerdicts, SAMPLE_SHAPE } from '../helpers/thread-shape.js';

// Issue 5's and issue 6's Done-when, hermetic; the seed thread is pinned by the same
// assertions in test/system/seed-verdicts.test.ts (when ../shared is there).
describeVerdicts('the sync-parameter thread', SAMPLE_SHAPE);

describe('the sync-parameter thread in SARIF', () => {
  it('carries the one finding (schema validation: test/system/sarif-schema.test.ts)', async () => {
    const log = JSON.parse((await runCli(['review', '--format', 'sarif', SAMPLE])).stdout) as { runs: { results: { ruleId: string }[] }[] };
    expect(log.runs.flatMap((r) => r.results.map((x) => x.ruleId))).toEqual(['FC001']);
  });
});
