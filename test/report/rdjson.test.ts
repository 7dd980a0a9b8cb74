import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { rdjson } from '../../src/report/rdjson.js';
import { runCli, SAMPLE } from '../helpers/cli.js';
import { assertInertMarkdown, hostile } from './hostile.js';
import { sampleReview, sampleRun } from './fixture-run.js';

/** reviewdog's DiagnosticResult (proto/rdf/reviewdog.proto), the fields we write, closed so a typo fails. */
const position = { type: 'object', additionalProperties: false, required: ['line'], properties: { line: { type: 'integer', minimum: 1 }, column: { type: 'integer', minimum: 1 } } };
const location = {
  type: 'object',
  additionalProperties: false,
  required: ['path'],
  properties: { path: { type: 'string' }, range: { type: 'object', additionalProperties: false, required: ['start'], properties: { start: position, end: position } } },
};
const severity = { enum: ['UNKNOWN_SEVERITY', 'ERROR', 'WARNING', 'INFO'] };
const source = { type: 'object', additionalProperties: false, required: ['name'], properties: { name: { type: 'string' }, url: { type: 'string' } } };
const RDJSON_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['diagnostics'],
  properties: {
    source,
    severity,
    diagnostics: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['message', 'location'],
        properties: {
          message: { type: 'string' },
          location,
          severity,
          source,
          code: { type: 'object', additionalProperties: false, required: ['value'], properties: { value: { type: 'string' }, url: { type: 'string' } } },
          related_locations: { type: 'array', items: { type: 'object', additionalProperties: false, properties: { message: { type: 'string' }, location } } },
          original_output: { type: 'string' },
        },
      },
    },
  },
};
const AjvClass = Ajv as unknown as typeof Ajv.default;
const validate = new AjvClass({ allErrors: true }).compile(RDJSON_SCHEMA);

describe('rdjson reporter', () => {
  it('writes one DiagnosticResult with the sample finding, its evidence as related locations', () => {
    const result = JSON.parse(rdjson(sampleRun(), { color: false }));
    expect(validate(result), JSON.stringify(validate.errors)).toBe(true);
    expect(result.severity).toBe('ERROR');
    expect(result.diagnostics).toHaveLength(1);
    const [d] = result.diagnostics;
    expect(d.location).toEqual({ path: 'xen/common/memory.c', range: { start: { line: 293, column: 9 } } });
    expect(d.code.value).toBe('FC001 missing-forced-ipi');
    expect(d.related_locations.map((r: { location: { range: { start: { line: number } } } }) => r.location.range.start.line)).toEqual([263, 283, 293]);
  });

  it('escapes messages for the Markdown comments reviewdog posts', () => {
    const result = JSON.parse(rdjson(hostile(), { color: false }));
    expect(validate(result), JSON.stringify(validate.errors)).toBe(true);
    for (const d of result.diagnostics) {
      assertInertMarkdown(d.message);
      for (const r of d.related_locations ?? []) assertInertMarkdown(r.message);
    }
  });

  it('prints the real sample review through the CLI', async () => {
    const cli = await runCli(['review', '--format', 'rdjson', '--fail-on', 'never', SAMPLE]);
    expect(cli.code).toBe(0);
    expect(validate(JSON.parse(cli.stdout))).toBe(true);
    expect(cli.stdout).toBe(rdjson(sampleReview(), { color: false }));
  });
});
