import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Node, Project, SyntaxKind } from 'ts-morph';
import { describe, expect, it } from 'vitest';
import { RULES } from '../../src/rules/index.js';
import { readRuleSources, staleFiles } from '../../scripts/gen-rule-docs.js';
import { REPO } from '../helpers/cli.js';
import { reviewText } from '../report/fixture-run.js';

const sources = readRuleSources(REPO);

/** A patch that adds `text` as a new C file, so an example goes through the real pipeline. */
function newFilePatch(path: string, text: string): string {
  const lines = text.split('\n');
  return [`diff --git a/${path} b/${path}`, 'new file mode 100644', 'index 0000000..1111111', '--- /dev/null', `+++ b/${path}`, `@@ -0,0 +1,${lines.length} @@`, ...lines.map((l) => `+${l}`), ''].join(
    '\n',
  );
}

/** Message ids a rule module passes as `messageId: '…'`. */
function usedMessageIds(file: string): Set<string> {
  const project = new Project({ skipAddingFilesFromTsConfig: true, skipFileDependencyResolution: true });
  const source = project.addSourceFileAtPath(join(REPO, file));
  const used = new Set<string>();
  for (const prop of source.getDescendantsOfKind(SyntaxKind.PropertyAssignment)) {
    if (prop.getName() !== 'messageId') continue;
    const init = prop.getInitializer();
    const literal = init && Node.isAsExpression(init) ? init.getExpression() : init;
    if (literal && (Node.isStringLiteral(literal) || Node.isNoSubstitutionTemplateLiteral(literal))) used.add(literal.getLiteralValue());
  }
  return used;
}

describe('rules as documented units', () => {
  it('every rule module is registered, and the registry holds nothing else', () => {
    expect(sources.map((s) => s.meta.id)).toEqual(RULES.map((r) => r.meta.id).sort());
  });

  it('the docs generator reads the same metadata the registry runs with', () => {
    for (const source of sources) {
      const rule = RULES.find((r) => r.meta.id === source.meta.id)!;
      expect(source.meta).toEqual(JSON.parse(JSON.stringify(rule.meta)));
      expect(source.why, `${source.file} has a doc comment`).not.toBe('');
    }
  });

  it('ids and names are unique and well formed; the registry is sorted by id', () => {
    const ids = RULES.map((r) => r.meta.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(RULES.map((r) => r.meta.name)).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    for (const { meta } of RULES) {
      expect(meta.id).toMatch(/^FC\d{3}$/);
      expect(meta.name).toMatch(/^[a-z]+(-[a-z0-9]+)*$/);
      for (const field of ['summary', 'x86', 'arm', 'bad', 'good'] as const) expect(meta.docs[field].trim(), `${meta.id} docs.${field}`).not.toBe('');
      expect(meta.docs.bad).not.toBe(meta.docs.good);
      for (const id of Object.keys(meta.messages)) expect(id).toMatch(/^[a-z][a-zA-Z0-9]*$/);
    }
  });

  it('no rule has an unused message id', () => {
    for (const source of sources) expect([...usedMessageIds(source.file)].sort(), source.file).toEqual(Object.keys(source.meta.messages).sort());
  });

  it('docs/rules.md and fixtures/rules/<id>/{bad,good}.c are generated and current', () => {
    expect(staleFiles(REPO)).toEqual([]);
    const dirs = readdirSync(join(REPO, 'fixtures', 'rules')).sort();
    expect(dirs, 'no fixture directory without a rule').toEqual(RULES.map((r) => r.meta.id).sort());
    for (const { meta } of RULES) {
      expect(readFileSync(join(REPO, 'fixtures', 'rules', meta.id, 'bad.c'), 'utf8')).toBe(`${meta.docs.bad}\n`);
      expect(readFileSync(join(REPO, 'fixtures', 'rules', meta.id, 'good.c'), 'utf8')).toBe(`${meta.docs.good}\n`);
    }
  });

  it('every example goes through the pipeline without errors and shows its flush sites', () => {
    for (const { meta } of RULES) {
      for (const kind of ['bad', 'good'] as const) {
        const run = reviewText(`${meta.id}-${kind}.patch`, newFilePatch(`xen/common/${meta.id.toLowerCase()}-${kind}.c`, meta.docs[kind]));
        expect(run.errors, `${meta.id} ${kind}`).toEqual([]);
        // A deferral (FC011) is opened at a flag use: the examples about one show it, not a flush call.
        expect(run.sites.filter((s) => s.kind === 'call' || s.kind === 'flag-use').length, `${meta.id} ${kind} has a flush site`).toBeGreaterThan(0);
      }
    }
  });

  it('FC005: the bad example gives exactly one FC005 finding (the suppression step needs no later stage)', () => {
    const rule = RULES.find((r) => r.meta.id === 'FC005')!;
    const run = reviewText('bad.patch', newFilePatch('xen/common/fc005-bad.c', rule.meta.docs.bad));
    expect(run.findings.map((f) => `${f.ruleId} ${f.messageId}`)).toEqual(['FC005 missingReason']);
  });

  // FC004 (a simulation bound) cannot be provoked from a small example by design:
  // its bad example must still go through cleanly, and the bound is tested in test/sim.
  // FC006 compares the code before and after a patch: a new file has no before. Its
  // examples are checked as a patch from the good one to the bad one in changed-flush-guard.test.ts;
  // FC009 (free before flush) and FC010 (a flag dropped between the two images) likewise,
  // in free-before-flush.test.ts and flush-weakened.test.ts.
  const examplesFor = RULES.filter((r) => !['FC004', 'FC006', 'FC009', 'FC010'].includes(r.meta.id));

  for (const { meta } of examplesFor) {
    it(`${meta.id}: the bad example gives exactly one finding of its rule, the good one none`, () => {
      const findings = (kind: 'bad' | 'good'): string[] =>
        reviewText(`${meta.id}-${kind}.patch`, newFilePatch(`xen/common/${meta.id.toLowerCase()}-${kind}.c`, meta.docs[kind]))
          .findings.filter((f) => f.ruleId === meta.id && !f.suppressed)
          .map((f) => `${f.ruleId} ${f.line}`);
      expect(findings('bad'), `${meta.id} bad`).toHaveLength(1);
      expect(findings('good'), `${meta.id} good`).toEqual([]);
    });
  }
});
