import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { MAX_LINE_BYTES } from '../../src/input.js';
import { REPORTERS } from '../../src/report/index.js';
import { REPO, runCli } from '../helpers/cli.js';

/**
 * Inputs are bounded while they are read: standard input stops at
 * --max-input-bytes (an endless one included), and a line too long to be a
 * patch is refused with one error, whatever the output format.
 */

describe('input limits', () => {
  it('standard input is read only up to --max-input-bytes: an endless stdin stops there with exit 2 and one line', async () => {
    const asked: (number | undefined)[] = [];
    let stderr = '';
    const code = await main(['review', '--format', 'text', '--max-input-bytes', '100000'], {
      stdout: () => undefined,
      stderr: (t) => {
        stderr += t;
      },
      // As much as asked for: a reader that never ends unless it is bounded.
      readStdin: (limit) => {
        asked.push(limit);
        return Buffer.alloc(Math.min(limit ?? 1 << 30, 1 << 30), 'x');
      },
      isTTY: false,
      env: {},
      cwd: REPO,
    });
    expect(code).toBe(2);
    expect(asked).toEqual([100001]);
    expect(stderr.trim().split('\n')).toEqual(['flushcheck: -: input is over the limit of 100000 bytes (--max-input-bytes); stopped reading there']);
  });

  it('a line longer than the limit is one clear error in every format', async () => {
    const patch = `diff --git a/xen/common/a.c b/xen/common/a.c\n--- a/xen/common/a.c\n+++ b/xen/common/a.c\n@@ -1 +1 @@\n-x\n+${'y'.repeat(MAX_LINE_BYTES + 1)}\n`;
    const clean = `diff --git a/xen/common/a.c b/xen/common/a.c\n--- a/xen/common/a.c\n+++ b/xen/common/a.c\n@@ -1 +1 @@\n-x\n+y\n`;
    for (const format of Object.keys(REPORTERS)) {
      const run = await runCli(['review', '--format', format], { stdin: patch });
      expect(run.code, format).toBe(2);
      expect(run.stderr.trim().split('\n'), format).toEqual([`flushcheck: -:6: line 6 is longer than ${MAX_LINE_BYTES} bytes: not a patch`]);
      // Nothing of the long line comes back: the report is as long as a clean run's (SARIF carries the rule catalogue) and one error.
      const baseline = (await runCli(['review', '--format', format], { stdin: clean })).stdout.length;
      expect(run.stdout.length, format).toBeLessThan(baseline + 10_000);
      expect(run.stdout, format).not.toContain('y'.repeat(64));
    }
  });
});
