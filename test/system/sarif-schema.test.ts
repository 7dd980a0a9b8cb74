import Ajv04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { sarifLog } from '../../src/report/sarif.js';
import { runCli, SAMPLE } from '../helpers/cli.js';
import { describeIfShared, SARIF_SCHEMA } from '../helpers/shared.js';
import { hostile } from '../report/hostile.js';
import { sampleReview, sampleRun } from '../report/fixture-run.js';

// No registry package ships the final OASIS schema (errata01, draft-04): the npm ones
// carry rtm.5 or a draft-07/2020-12 rewrite. So the schema is read from ../shared.

/** The official OASIS schema (draft-04), with its formats checked too. */
function sarifValidator(): (data: unknown) => string[] {
  const schema = JSON.parse(readFileSync(SARIF_SCHEMA, 'utf8')) as { id?: string };
  expect(schema.id).toBe('https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json');
  const AjvClass = Ajv04 as unknown as typeof Ajv04.default;
  const ajv = new AjvClass({ allErrors: true, strict: false });
  (addFormats as unknown as typeof addFormats.default)(ajv);
  const validate = ajv.compile(schema);
  return (data) => (validate(data) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`));
}

describeIfShared(SARIF_SCHEMA, 'SARIF output against the official 2.1.0 schema', () => {
  it('is valid for the enriched sample run, a hostile run and the plain sample review', () => {
    const validate = sarifValidator();
    expect(validate(sarifLog(sampleRun()))).toEqual([]);
    expect(validate(sarifLog(hostile()))).toEqual([]);
    expect(validate(sarifLog(sampleReview()))).toEqual([]);
  });

  it('the validator does reject a broken log', () => {
    const validate = sarifValidator();
    const log = sarifLog(sampleRun()) as { runs: { results: { level: string }[] }[] };
    log.runs[0]!.results[0]!.level = 'fatal';
    expect(validate(log).length).toBeGreaterThan(0);
  });

  it('the CLI output for the sample thread validates and carries its finding', async () => {
    const validate = sarifValidator();
    const cli = await runCli(['review', '--format', 'sarif', SAMPLE]);
    const log = JSON.parse(cli.stdout) as { runs: { results: { ruleId: string }[] }[] };
    expect(validate(log)).toEqual([]);
    expect(log.runs.flatMap((r) => r.results.map((x) => x.ruleId))).toEqual(['FC001']);
  });
});
