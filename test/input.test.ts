import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadInput, MAX_LINE_BYTES, overlongLine } from '../src/input.js';

const dir = mkdtempSync(join(tmpdir(), 'flushcheck-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const head = 'diff --git a/xen/common/a.c b/xen/common/a.c\n--- a/xen/common/a.c\n+++ b/xen/common/a.c\n@@ -1 +1 @@\n-x\n+';

describe('loadInput from a file, read in chunks', () => {
  const cases: Record<string, string> = {
    'a line one byte over the limit, across read chunks': `${head}${'y'.repeat(MAX_LINE_BYTES + 1)}\n`,
    'a line exactly at the limit': `${head}${'y'.repeat(MAX_LINE_BYTES)}\n`,
    'an overlong last line without a newline': `${head}${'y'.repeat(2 * MAX_LINE_BYTES + 7)}`,
    'an overlong line after many short ones': `${'z\n'.repeat(700_000)}${'y'.repeat(MAX_LINE_BYTES + 1)}\nshort\n`,
    'two overlong lines: the first is named': `${'y'.repeat(MAX_LINE_BYTES + 2)}\n${'w'.repeat(MAX_LINE_BYTES + 2)}\n`,
    'short lines only': `${head}y\n`,
  };
  for (const [what, text] of Object.entries(cases)) {
    it(`refuses the same line a whole read would: ${what}`, () => {
      const path = join(dir, `${what.replaceAll(' ', '-')}.diff`);
      writeFileSync(path, text);
      const whole = overlongLine(readFileSync(path));
      const loaded = loadInput(path);
      if (whole === undefined) {
        expect(loaded.ok).toBe(true);
        expect(loaded.ok && loaded.value.text).toBe(text);
      } else {
        expect(loaded).toEqual({ ok: false, error: { file: path, line: whole, code: 'line-too-long', message: `line ${whole} is longer than ${MAX_LINE_BYTES} bytes: not a patch` } });
      }
    });
  }
});
