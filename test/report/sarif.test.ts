import Ajv04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RULES } from '../../src/rules/index.js';
import { sarif, sarifLog, sarifText } from '../../src/report/sarif.js';
import { REPO, runCli, SEED } from '../helpers/cli.js';
import { hostile } from './hostile.js';
import { seedReview, seedRun } from './fixture-run.js';

/** The official OASIS schema (draft-04), with its formats checked too. */
function sarifValidator(): (data: unknown) => string[] {
  const schema = JSON.parse(readFileSync(join(REPO, '..', 'shared', 'schemas', 'sarif-schema-2.1.0.json'), 'utf8')) as object;
  const AjvClass = Ajv04 as unknown as typeof Ajv04.default;
  const ajv = new AjvClass({ allErrors: true, strict: false });
  (addFormats as unknown as typeof addFormats.default)(ajv);
  const validate = ajv.compile(schema);
  return (data) => (validate(data) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`));
}
const validate = sarifValidator();

interface SarifRun {
  automationDetails: { id: string };
  tool: { driver: { rules: { id: string; name: string; help: { text: string }; defaultConfiguration: { level: string } }[] } };
  results: {
    ruleId: string;
    level: string;
    message: { text: string };
    locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[];
    partialFingerprints: Record<string, string>;
    relatedLocations?: { id: number; physicalLocation: { region: { startLine: number } }; message: { text: string } }[];
    codeFlows?: unknown[];
    suppressions?: { kind: string; justification: string }[];
  }[];
}
const runsOf = (log: object): SarifRun[] => (log as { runs: SarifRun[] }).runs;

describe('sarif reporter', () => {
  it('is valid against the official SARIF 2.1.0 schema for the seed run, a hostile run and the plain seed review', () => {
    expect(validate(sarifLog(seedRun()))).toEqual([]);
    expect(validate(sarifLog(hostile()))).toEqual([]);
    expect(validate(sarifLog(seedReview()))).toEqual([]);
  });

  it('the validator does reject a broken log', () => {
    const log = sarifLog(seedRun()) as { runs: { results: { level: string }[] }[] };
    log.runs[0]!.results[0]!.level = 'fatal';
    expect(validate(log).length).toBeGreaterThan(0);
  });

  it('has one run per architecture plus one for findings of no architecture, told apart by automationDetails', () => {
    const runs = runsOf(sarifLog(seedRun()));
    expect(runs.map((r) => r.automationDetails.id)).toEqual(['flushcheck/x86/', 'flushcheck/arm/', 'flushcheck/common/']);
    expect(runs.map((r) => r.results.length)).toEqual([1, 0, 0]);
  });

  it('lists every rule with id, name, help and default level', () => {
    const rules = runsOf(sarifLog(seedRun()))[0]!.tool.driver.rules;
    expect(rules.map((r) => r.id)).toEqual(RULES.map((r) => r.meta.id));
    for (const [i, r] of rules.entries()) {
      expect(r.name).toBe(RULES[i]!.meta.name);
      expect(r.help.text).toContain(RULES[i]!.meta.docs.arm);
      expect(r.defaultConfiguration.level).toBe(RULES[i]!.meta.severity);
    }
  });

  it('gives the finding its location, fingerprint, evidence as related locations and the counterexample as a code flow', () => {
    const [result] = runsOf(sarifLog(seedRun()))[0]!.results;
    expect(result!.ruleId).toBe('FC001');
    expect(result!.level).toBe('error');
    expect(result!.locations[0]!.physicalLocation.artifactLocation.uri).toBe('xen/common/memory.c');
    expect(result!.locations[0]!.physicalLocation.region.startLine).toBe(281);
    expect(result!.partialFingerprints['flushcheck/v1']).toMatch(/^[0-9a-f]{32}$/);
    expect(result!.relatedLocations!.map((l) => [l.id, l.physicalLocation.region.startLine])).toEqual([
      [1, 190],
      [2, 236],
      [3, 281],
    ]);
    expect(result!.message.text).toContain('Evidence: [step 1](1), [step 2](2), [step 3](3).');
    expect(result!.codeFlows).toHaveLength(1);
  });

  it('keeps fingerprints when unrelated lines move', () => {
    const before = seedRun();
    const after = seedRun();
    after.findings = after.findings.map((f) => ({ ...f, line: f.line + 40, related: f.related.map((r) => ({ ...r, line: r.line + 40 })) }));
    const fp = (log: object): string[] => runsOf(log).flatMap((r) => r.results.map((x) => x.partialFingerprints['flushcheck/v1']!));
    expect(fp(sarifLog(after))).toEqual(fp(sarifLog(before)));
  });

  it('marks a suppressed finding with an in-source suppression and its reason', () => {
    const run = seedRun();
    run.findings = run.findings.map((f) => ({ ...f, suppressed: { reason: 'measured: not a page table here', line: 280 } }));
    const [result] = runsOf(sarifLog(run))[0]!.results;
    expect(result!.suppressions).toEqual([expect.objectContaining({ kind: 'inSource', justification: 'measured: not a page table here' })]);
  });

  it('escapes brackets so patch text cannot make embedded links, and encodes paths as URIs', () => {
    expect(sarifText('[x](javascript:alert(1))')).toBe('\\[x\\](javascript:alert(1))');
    const results = runsOf(sarifLog(hostile())).flatMap((r) => r.results);
    const uris = results.map((r) => r.locations[0]!.physicalLocation.artifactLocation.uri);
    expect(uris).toContain('xen/common/%3Cb%3E%40everyone%3C/b%3E.c');
    for (const r of results) expect(r.message.text).not.toMatch(/(^|[^\\])\[[^\]]*\]\((?!\d+\))/);
  });

  it('prints the real seed review through the CLI', async () => {
    const cli = await runCli(['review', '--format', 'sarif', '--fail-on', 'never', SEED]);
    expect(cli.code).toBe(0);
    expect(validate(JSON.parse(cli.stdout))).toEqual([]);
    expect(cli.stdout).toBe(sarif(seedReview(), { color: false }));
  });
});
