import Ajv04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { existsSync, readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { describeIfShared, SARIF_SCHEMA, SEED } from '../helpers/shared.js';
import { describeVerdicts } from '../helpers/thread-shape.js';
import { SEED_SHAPE } from './seed-shape.js';

// The same assertions as our own thread's (test/pipeline/sync-param-verdicts.test.ts), on the
// patch the project started from, plus the official SARIF schema where ../shared has it.
describeIfShared(SEED, 'the seed thread', () => {
  describeVerdicts('the seed thread', SEED_SHAPE);

  it.skipIf(!existsSync(SARIF_SCHEMA))('SARIF validates against the official 2.1.0 schema and carries the finding', async () => {
    const schema = JSON.parse(readFileSync(SARIF_SCHEMA, 'utf8')) as object;
    const AjvClass = Ajv04 as unknown as typeof Ajv04.default;
    const ajv = new AjvClass({ allErrors: true, strict: false });
    (addFormats as unknown as typeof addFormats.default)(ajv);
    const validate = ajv.compile(schema);
    const log = JSON.parse((await runCli(['review', '--format', 'sarif', SEED])).stdout) as { runs: { results: { ruleId: string }[] }[] };
    expect(validate(log), JSON.stringify(validate.errors)).toBe(true);
    expect(log.runs.flatMap((r) => r.results.map((x) => x.ruleId))).toContain('FC001');
  });
});
