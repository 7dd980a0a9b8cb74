import { describe, expect, it } from 'vitest';
import { RULES } from '../../src/rules/index.js';
import { sarif, sarifLog, sarifText } from '../../src/report/sarif.js';
import { runCli, SAMPLE } from '../helpers/cli.js';
import { hostile } from './hostile.js';
import { sampleReview, sampleRun } from './fixture-run.js';

// Validation against the official OASIS schema lives in the system tier
// (test/system/sarif-schema.test.ts): no registry package ships the final schema.

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
  it('has one run per architecture plus one for findings of no architecture, told apart by automationDetails', () => {
    const runs = runsOf(sarifLog(sampleRun()));
    expect(runs.map((r) => r.automationDetails.id)).toEqual(['flushcheck/x86/', 'flushcheck/arm/', 'flushcheck/common/']);
    expect(runs.map((r) => r.results.length)).toEqual([1, 0, 0]);
  });

  it('lists every rule with id, name, help and default level', () => {
    const rules = runsOf(sarifLog(sampleRun()))[0]!.tool.driver.rules;
    expect(rules.map((r) => r.id)).toEqual(RULES.map((r) => r.meta.id));
    for (const [i, r] of rules.entries()) {
      expect(r.name).toBe(RULES[i]!.meta.name);
      expect(r.help.text).toContain(RULES[i]!.meta.docs.arm);
      expect(r.defaultConfiguration.level).toBe(RULES[i]!.meta.severity);
    }
  });

  it('gives the finding its location, fingerprint, evidence as related locations and the counterexample as a code flow', () => {
    const [result] = runsOf(sarifLog(sampleRun()))[0]!.results;
    expect(result!.ruleId).toBe('FC001');
    expect(result!.level).toBe('error');
    expect(result!.locations[0]!.physicalLocation.artifactLocation.uri).toBe('xen/common/memory.c');
    expect(result!.locations[0]!.physicalLocation.region.startLine).toBe(293);
    expect(result!.partialFingerprints['flushcheck/v1']).toMatch(/^[0-9a-f]{32}$/);
    expect(result!.relatedLocations!.map((l) => [l.id, l.physicalLocation.region.startLine])).toEqual([
      [1, 263],
      [2, 283],
      [3, 293],
    ]);
    expect(result!.message.text).toContain('Evidence: [step 1](1), [step 2](2), [step 3](3).');
    expect(result!.codeFlows).toHaveLength(1);
  });

  it('keeps fingerprints when unrelated lines move', () => {
    const before = sampleRun();
    const after = sampleRun();
    after.findings = after.findings.map((f) => ({ ...f, line: f.line + 40, related: f.related.map((r) => ({ ...r, line: r.line + 40 })) }));
    const fp = (log: object): string[] => runsOf(log).flatMap((r) => r.results.map((x) => x.partialFingerprints['flushcheck/v1']!));
    expect(fp(sarifLog(after))).toEqual(fp(sarifLog(before)));
  });

  it('marks a suppressed finding with an in-source suppression and its reason', () => {
    const run = sampleRun();
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

  it('prints the real sample review through the CLI', async () => {
    const cli = await runCli(['review', '--format', 'sarif', '--fail-on', 'never', SAMPLE]);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toBe(sarif(sampleReview(), { color: false }));
  });
});
