import { describe, expect, it } from 'vitest';
import { parseDirective } from '../../src/suppressions/read.js';
import { runCli, fixture, readFixture } from '../helpers/cli.js';
import { reviewText, runWithFindingAt } from '../report/fixture-run.js';

const summary = (run: ReturnType<typeof reviewText>): string[] => run.findings.map((f) => `${f.ruleId} ${f.messageId} ${f.line}${f.suppressed ? ' suppressed' : ''}`);

describe('inline suppressions', () => {
  it('reads the directive from a comment: rules by id or name, the reason after --', () => {
    expect(parseDirective('/* flushcheck: ignore FC001 -- checked */')).toEqual({ rules: ['FC001'], reason: 'checked' });
    expect(parseDirective('// flushcheck: ignore missing-forced-ipi, FC002 -- a -- b')).toEqual({ rules: ['FC001', 'FC002'], reason: 'a -- b' });
    expect(parseDirective('/*\n * flushcheck: ignore FC001\n * -- split over\n * lines\n */')).toEqual({ rules: ['FC001'], reason: 'split over lines' });
    expect(parseDirective('/* flushcheck: ignore FC001 */')).toEqual({ rules: ['FC001'] });
    expect(parseDirective('/* flushcheck: ignore FC001 -- */')).toEqual({ rules: ['FC001'] });
    expect(parseDirective('/* flushcheck: ignore FC077 -- x */')).toEqual({ rules: [], unknownRules: ['FC077'], reason: 'x' });
    expect(parseDirective('/* flushcheck: disable FC001 -- x */')).toEqual({ rules: [] });
    expect(parseDirective('/* see flushcheck: ignore FC001 -- x */')).toBeUndefined();
    expect(parseDirective('/* ordinary comment */')).toBeUndefined();
  });

  it('reads directives from real comment nodes, never from strings or code', () => {
    const text = readFixture('suppressions', 'stale.patch').replace('gt->nr_unmapped = 0;', 'printk("/* flushcheck: ignore FC001 -- in a string */");');
    const run = reviewText('stale.patch', text);
    expect(run.suppressions!.map((s) => [s.line, s.rules, s.reason ?? null])).toEqual([
      [413, ['FC001'], 'the flush below is not a page-table path'],
      [415, ['FC002'], null],
      [416, ['FC001'], 'typo in id'],
      [417, [], null],
    ]);
    expect(run.suppressions![2]!.unknownRules).toEqual(['FC042']);
  });

  it('suppresses a finding on the line after a multi-line comment, shows it as suppressed, reports nothing else', () => {
    const run = runWithFindingAt('reasoned.patch', readFixture('suppressions', 'reasoned.patch'), [284]);
    expect(summary(run)).toEqual(['FC001 missing 284 suppressed']);
    expect(run.findings[0]!.suppressed).toEqual({ reason: 'only HVM guests reach this path here', line: 281 });
  });

  it('does not suppress without a reason, and says why', () => {
    const text = readFixture('suppressions', 'reasoned.patch').replace(' -- only HVM guests reach this path here', '');
    const run = runWithFindingAt('reasoned.patch', text, [284]);
    expect(summary(run)).toEqual(['FC005 missingReason 281', 'FC001 missing 284']);
  });

  it('reports a suppression two lines above the finding as unused, and the finding as active', () => {
    const text = readFixture('suppressions', 'reasoned.patch')
      .replace('+        filtered_flush_tlb_mask(tlbflush_timestamp, false);', '+        barrier();\n+        filtered_flush_tlb_mask(tlbflush_timestamp, false);')
      .replace('+278,10 @@', '+278,11 @@');
    const run = runWithFindingAt('reasoned.patch', text, [285]);
    expect(summary(run)).toEqual(['FC005 unused 281', 'FC001 missing 285']);
  });

  it('reports every stale, reasonless, unknown and unreadable suppression through the CLI, as warnings', async () => {
    const cli = await runCli(['review', '--format', 'json', fixture('suppressions', 'stale.patch')]);
    expect(cli.code).toBe(0);
    const run = JSON.parse(cli.stdout) as ReturnType<typeof reviewText>;
    expect(summary(run)).toEqual(['FC005 unused 413', 'FC005 missingReason 415', 'FC005 unknownRule 416', 'FC005 unused 416', 'FC005 malformed 417']);
    expect(new Set(run.findings.map((f) => f.severity))).toEqual(new Set(['warning']));
    expect(new Set(run.findings.map((f) => f.fingerprint)).size).toBe(5);
  });
});
