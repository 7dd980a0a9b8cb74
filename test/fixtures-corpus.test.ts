import { describe, expect, it } from 'vitest';
import { discoverCases } from '../src/testing/cases.js';
import { fixture, runCli } from './helpers/cli.js';

// The project's own fixture corpus, run as `flushcheck test fixtures/` would
// be: a regression in any site, verdict or input error fails the suite.
describe('fixtures/ corpus', () => {
  it('every case passes', async () => {
    const cases = discoverCases([fixture()]).cases.length;
    expect(cases).toBeGreaterThan(0);
    const run = await runCli(['test', fixture()]);
    // On failure, the runner's own report says which cases and why.
    expect(run.stdout).toBe(`${cases} passed, 0 failed\n`);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });
});
