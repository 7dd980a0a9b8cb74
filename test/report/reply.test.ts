import { describe, expect, it } from 'vitest';
import { reply, wrap } from '../../src/report/reply.js';
import { runCli, SAMPLE } from '../helpers/cli.js';
import { hostile } from './hostile.js';
import { sampleReview, sampleRun } from './fixture-run.js';

describe('reply reporter', () => {
  const text = reply(sampleRun(), { color: false });
  const lines = text.split('\n');

  it('quotes the hunk lines above the finding and writes the finding right under its line', () => {
    const at = lines.indexOf('> +        filtered_flush_tlb_mask(tlbflush_timestamp, false);');
    expect(at).toBeGreaterThan(0);
    expect(lines.slice(at - 5, at)).toEqual([
      '> @@ -290,7 +290,7 @@ static void populate_physmap(struct memop_args *a)',
      '> [...]',
      '>   out:',
      '>      if ( need_tlbflush )',
      '> -        filtered_flush_tlb_mask(tlbflush_timestamp);',
    ]);
    expect(lines[at + 1]).toBe('');
    expect(lines[at + 2]).toMatch(/^FC001 missing-forced-ipi \(x86, error\): filtered_flush_tlb_mask can$/);
    expect(text).toContain('Counterexample (P1, 3 CPUs):');
    expect(text).toContain('For Arm reviewers: On Arm nothing changes');
  });

  it('trims the rest: no hunk without a finding is quoted', () => {
    expect(text).not.toContain('flush_tlb_mask_ipi(mask);');
    expect(text).not.toContain('xen/arch/x86/mm.c b/');
    expect(lines[0]).toBe('Mira Halvorsen wrote:');
    expect(lines.filter((l) => l === '[...]').length).toBeGreaterThanOrEqual(2);
  });

  it('wraps its own prose at 72 columns and leaves quoted lines as written', () => {
    for (const line of lines.filter((l) => !l.startsWith('>'))) expect(line.length, line).toBeLessThanOrEqual(72);
    expect(wrap('a '.repeat(100), 10).every((l) => l.length <= 10)).toBe(true);
  });

  it('puts a finding on a line the diff does not show at the end, and says so', () => {
    const run = sampleRun();
    run.findings = run.findings.map((f) => ({ ...f, line: 250 }));
    const out = reply(run, { color: false });
    expect(out).toContain('On lines the patch does not show:\n\nxen/common/memory.c:250 in populate_physmap:\nFC001');
    expect(out).not.toContain('> diff --git');
  });

  it('says when a patch gives nothing to report, with the real pipeline through the CLI', async () => {
    const cli = await runCli(['review', '--format', 'reply', '--fail-on', 'never', SAMPLE]);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toBe(reply(sampleReview(), { color: false }));
    if (sampleReview().findings.length === 0) expect(cli.stdout).toContain('flushcheck found nothing to report in 10 flush calls.');
  });

  it('strips control characters from hostile text and keeps the quote prefix on every quoted line', () => {
    const run = hostile();
    run.patches[0]!.subject = `${run.patches[0]!.subject}\u001b[31m\u202e`;
    const out = reply(run, { color: false });
    expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\u202a-\u202e]/);
    expect(out).toContain('> +    printk("|||| `` ``` https://evil.example/@admin <details open>\\n");');
    expect(out.match(/^FC001 /gm)?.length).toBe(3);
  });
});

describe('reply reporter on a large run', () => {
  it('writes 5,000 findings under their lines without overflowing the stack', () => {
    const run = sampleRun();
    const first = run.findings.find((f) => !f.suppressed)!;
    const findings = Array.from({ length: 5000 }, (_, i) => ({ ...first, message: `${first.message} (copy ${i})` }));
    const text = reply({ ...run, findings }, { color: false });
    expect(text.match(/^FC001 missing-forced-ipi/gm)?.length).toBe(5000);
    expect(text).toContain('(copy 4999)');
  });
});
