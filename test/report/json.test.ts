import Ajv2020 from 'ajv/dist/2020.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/types.js';
import { fixture, REPO, runCli, SAMPLE } from '../helpers/cli.js';
import { hostile } from './hostile.js';
import { reviewText, sampleRun } from './fixture-run.js';
import { json, jsonChunks } from '../../src/report/json.js';
import { readdirSync, statSync } from 'node:fs';

const schema = JSON.parse(readFileSync(join(REPO, 'schema', 'flushcheck-result.schema.json'), 'utf8')) as object;
const AjvClass = Ajv2020 as unknown as typeof Ajv2020.default;
const check = new AjvClass({ allErrors: true, strict: true }).compile(schema);
const errorsOf = (data: unknown): string[] => (check(data) ? [] : (check.errors ?? []).map((e) => `${e.instancePath} ${e.message}`));

describe('JSON contract (schema/flushcheck-result.schema.json)', () => {
  it('the sample review through the CLI validates', async () => {
    const cli = await runCli(['review', '--format', 'json', '--fail-on', 'never', SAMPLE]);
    expect(cli.code).toBe(0);
    const run = JSON.parse(cli.stdout) as RunResult;
    expect(errorsOf(run)).toEqual([]);
    expect(run.patches[0]!.files!.map((f) => f.newPath)).toEqual([
      'xen/arch/x86/mm.c',
      'xen/common/memory.c',
      'xen/common/page_alloc.c',
      'xen/include/asm-arm/flushtlb.h',
      'xen/include/asm-x86/flushtlb.h',
      'xen/include/xen/mm.h',
    ]);
  });

  it('a run with every later-stage field (mechanisms, classes, evidence, simulation, findings) validates', () => {
    const run = JSON.parse(JSON.stringify(sampleRun())) as RunResult;
    expect(run.sites.some((s) => s.arch?.x86?.sim?.trace.length)).toBe(true);
    expect(errorsOf(run)).toEqual([]);
    expect(errorsOf(JSON.parse(JSON.stringify(hostile())))).toEqual([]);
  });

  it('suppressions, configuration and baseline fields validate', async () => {
    const cli = await runCli(['review', '--format', 'json', fixture('suppressions', 'stale.patch')]);
    const run = JSON.parse(cli.stdout) as RunResult;
    expect(run.suppressions!.length).toBe(4);
    expect(errorsOf(run)).toEqual([]);
    run.settings = { ...run.settings, roots: { allocation: ['my_alloc'] }, rules: { FC002: 'off' }, configFile: '.flushcheck.json', baseline: { file: 'old.json', known: 2 } };
    expect(errorsOf(run)).toEqual([]);
  });

  it('rejects values outside the enums', () => {
    const run = JSON.parse(JSON.stringify(sampleRun())) as RunResult;
    (run.findings[0] as { severity: string }).severity = 'fatal';
    (run.sites.find((s) => s.arch)!.arch!.x86 as { mechanism: string }).mechanism = 'magic';
    expect(errorsOf(run)).toEqual(expect.arrayContaining([expect.stringMatching(/^\/findings\/0\/severity/), expect.stringMatching(/\/arch\/x86\/mechanism/)]));
  });
  it('every regression case under fixtures/ gives output that validates (the contract as the stages really fill it)', () => {
    const cases: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir).sort()) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) {
          if (!name.endsWith('.tree')) walk(path);
        } else if (/\.(patch|diff|mbox|eml|txt)$/.test(name)) cases.push(path);
      }
    };
    walk(join(REPO, 'fixtures'));
    expect(cases.length).toBeGreaterThan(60);
    for (const path of cases) {
      const run = JSON.parse(JSON.stringify(reviewText(path, readFileSync(path, 'utf8')))) as RunResult;
      expect(errorsOf(run), path).toEqual([]);
    }
  });
});

describe('json reporter', () => {
  for (const [name, path] of [
    ['the sync-parameter thread', SAMPLE],
    ['a series with odd entries', fixture('forms', 'extended-headers.diff')],
    ['an mbox thread', fixture('forms', 'mbox-thread.mbox')],
  ] as const) {
    it(`streams the same bytes as JSON.stringify(run, null, 2): ${name}`, () => {
      const run = reviewText(path, readFileSync(path, 'utf8'));
      const whole = `${JSON.stringify(run, null, 2)}\n`;
      expect([...jsonChunks(run)].join('')).toBe(whole);
      expect(json(run, { color: false })).toBe(whole);
    });
  }
});
