import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { NOT_VISIBLE } from '../report/hostile-corpus.js';

/** What the CLI writes to a terminal or CI log when the input's name and text are hostile. */
describe('standard error and text output from hostile input', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flushcheck-hostile-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const name = join(dir, 'evil\u001b[2J\u001b]8;;https:evil.example\u0007\u202e::error::pwned\u0085::add-mask::x##[error]y.patch');

  it('says what went wrong in one line with no control, bidi or workflow command', async () => {
    writeFileSync(name, 'not a patch\r::stop-commands::tok\u2028\n');
    const run = await runCli(['review', name]);
    expect(run.code).toBe(2);
    expect(run.stderr).not.toMatch(NOT_VISIBLE);
    expect(run.stderr).not.toMatch(/^\s*::[\w-]+|##\[/m);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('<U+202E>');
  });

  it('keeps text output free of them too, colour or not', async () => {
    const patch = [
      'From: "Evil\u001b[31m\u2028::error::x" <e@evil.example>',
      'Subject: [PATCH] x\u202e\u200b::warning::y',
      '',
      '---',
      'diff --git a/xen/common/a.c b/xen/common/a.c',
      '--- a/xen/common/a.c',
      '+++ b/xen/common/a.c',
      '@@ -1,3 +1,4 @@ void f(cpumask_t *m)',
      ' {',
      '+    flush_tlb_mask(m /* \u001b]8;;x\u0007 \u0085::error::z */);',
      '     return;',
      ' }',
      '',
    ].join('\n');
    for (const isTTY of [false, true]) {
      const run = await runCli(['review', '--fail-on', 'never', '-'], { stdin: patch, isTTY });
      const shown = run.stdout.replace(/\u001b\[\d+m/g, '');
      expect(shown).not.toMatch(NOT_VISIBLE);
      expect(shown).not.toMatch(/^\s*::[\w-]+|##\[/m);
      expect(shown).toContain('flush_tlb_mask');
    }
  });
});
