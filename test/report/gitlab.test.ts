import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { codeQuality, gitlab } from '../../src/report/gitlab.js';
import { runCli, SAMPLE } from '../helpers/cli.js';
import { hostile } from './hostile.js';
import { sampleReview, sampleRun } from './fixture-run.js';

/** GitLab's Code Quality report: the fields GitLab requires, with its severity names. */
const CODE_QUALITY_SCHEMA = {
  type: 'array',
  items: {
    type: 'object',
    required: ['description', 'check_name', 'fingerprint', 'severity', 'location'],
    properties: {
      description: { type: 'string', minLength: 1 },
      check_name: { type: 'string', minLength: 1 },
      fingerprint: { type: 'string', minLength: 1 },
      severity: { enum: ['info', 'minor', 'major', 'critical', 'blocker'] },
      location: {
        type: 'object',
        required: ['path', 'lines'],
        properties: { path: { type: 'string', minLength: 1 }, lines: { type: 'object', required: ['begin'], properties: { begin: { type: 'integer', minimum: 1 } } } },
      },
    },
  },
};
const AjvClass = Ajv as unknown as typeof Ajv.default;
const validate = new AjvClass({ allErrors: true }).compile(CODE_QUALITY_SCHEMA);

describe('gitlab reporter', () => {
  it('writes a valid Code Quality report for the sample finding', () => {
    const report = codeQuality(sampleRun());
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    expect(report).toHaveLength(1);
    expect(report[0]).toMatchObject({ check_name: 'flushcheck/FC001-missing-forced-ipi', severity: 'critical', location: { path: 'xen/common/memory.c', lines: { begin: 293 } } });
    expect(report[0]!.description).toMatch(/^FC001 \[x86\] filtered_flush_tlb_mask can complete as an assisted flush/);
  });

  it('keeps fingerprints unique when two findings share an identity, and stable when lines move', () => {
    const run = sampleRun();
    const one = run.findings[0]!;
    run.findings = [one, { ...one, line: one.line + 5 }];
    const twice = codeQuality(run).map((i) => i.fingerprint);
    expect(new Set(twice).size).toBe(2);
    run.findings = run.findings.map((f) => ({ ...f, line: f.line + 100 }));
    expect(codeQuality(run).map((i) => i.fingerprint)).toEqual(twice);
  });

  it('leaves suppressed findings out (GitLab cannot show them as suppressed)', () => {
    const run = sampleRun();
    run.findings = run.findings.map((f) => ({ ...f, suppressed: { reason: 'r', line: 1 } }));
    expect(codeQuality(run)).toEqual([]);
  });

  it('is valid for a hostile patch, with unique fingerprints', () => {
    const report = codeQuality(hostile());
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    expect(new Set(report.map((i) => i.fingerprint)).size).toBe(report.length);
    for (const issue of report) expect(issue.description).not.toMatch(/[\u0000-\u001f]/);
  });

  it('prints the real sample review through the CLI', async () => {
    const cli = await runCli(['review', '--format', 'gitlab', '--fail-on', 'never', SAMPLE]);
    expect(cli.code).toBe(0);
    expect(validate(JSON.parse(cli.stdout))).toBe(true);
    expect(cli.stdout).toBe(gitlab(sampleReview(), { color: false }));
  });
});
