import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../src/config.js';
import { fixture, runCli, SAMPLE } from './helpers/cli.js';

const STALE = fixture('suppressions', 'stale.patch');

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'flushcheck-config-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('.flushcheck.json', () => {
  it('accepts every documented key and maps rule names to ids', () => {
    const result = parseConfigText(
      JSON.stringify({
        $schema: './schema/flushcheck-config.schema.json',
        architectures: ['x86'],
        build: { CONFIG_PV: false },
        roots: { allocation: ['my_alloc'] },
        rules: { 'unnecessary-forced-ipi': 'off', FC001: 'warning' },
      }),
    );
    expect(result).toEqual({ ok: true, config: { architectures: ['x86'], build: { CONFIG_PV: false }, roots: { allocation: ['my_alloc'] }, rules: { FC001: 'warning', FC002: 'off' } } });
  });

  it.each([
    ['{"architecture": ["x86"]}', 'unknown key "architecture" at top level'],
    ['{"roots": {"alloc": []}}', 'unknown key "alloc" at roots'],
    ['{"architectures": ["x86", "sparc"]}', 'architectures.1: must be one of "x86", "arm", "riscv", "ppc"'],
    ['{"architectures": []}', 'architectures: must NOT have fewer than 1 items'],
    ['{"build": {"PV": true}}', 'bad key "PV" at build'],
    ['{"build": {"CONFIG_PV": "yes"}}', 'build.CONFIG_PV: must be boolean'],
    ['{"rules": {"FC001": "fatal"}}', 'rules.FC001: must be one of "error", "warning", "note", "off"'],
    ['{"rules": {"FC099": "off"}}', 'rules: unknown rule "FC099" (flushcheck rules lists them)'],
    ['{"roots": {"allocation": ["not a name"]}}', 'roots.allocation.0: must match pattern "^[A-Za-z_][A-Za-z0-9_]*$"'],
    ['[1]', 'top level: must be object'],
    ['{"a": ', 'not valid JSON: Unexpected end of JSON input'],
  ])('rejects %s with one clear line', (text, message) => {
    expect(parseConfigText(text)).toEqual({ ok: false, message });
  });

  it('a bad file stops the review with one line on stderr and exit 2, nothing on stdout', async () => {
    const dir = dirWith({ 'bad.json': '{"rulez": {}}' });
    const cli = await runCli(['review', '--config-file', join(dir, 'bad.json'), SAMPLE]);
    expect(cli.code).toBe(2);
    expect(cli.stdout).toBe('');
    expect(cli.stderr).toBe(`flushcheck: ${join(dir, 'bad.json')}: unknown key "rulez" at top level\n`);
    const missing = await runCli(['review', '--config-file', join(dir, 'none.json'), SAMPLE]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`flushcheck: ${join(dir, 'none.json')}: no such file\n`);
  });

  it('reads .flushcheck.json from the current directory: severity overrides, architectures, build', async () => {
    const dir = dirWith({ '.flushcheck.json': JSON.stringify({ architectures: ['x86'], build: { CONFIG_SHADOW_PAGING: false }, rules: { FC005: 'error' } }) });
    const cli = await runCli(['review', '--format', 'json', STALE], { cwd: dir });
    expect(cli.code).toBe(1);
    const run = JSON.parse(cli.stdout);
    expect(run.settings).toMatchObject({ arches: ['x86'], config: { CONFIG_PV: true, CONFIG_SHADOW_PAGING: false }, configFile: '.flushcheck.json', rules: { FC005: 'error' } });
    expect(new Set(run.findings.map((f: { severity: string }) => f.severity))).toEqual(new Set(['error']));
  });

  it('lets the command line win over the file, and "off" drop a rule', async () => {
    const dir = dirWith({ 'c.json': JSON.stringify({ architectures: ['x86'], build: { CONFIG_PV: false }, rules: { 'invalid-suppression': 'off' } }) });
    const cli = await runCli(['review', '--format', 'json', '--config-file', join(dir, 'c.json'), '--arch', 'arm', '--config', 'CONFIG_PV=y', STALE]);
    expect(cli.code).toBe(0);
    const run = JSON.parse(cli.stdout);
    expect(run.settings.arches).toEqual(['arm']);
    expect(run.settings.config.CONFIG_PV).toBe(true);
    expect(run.findings).toEqual([]);
  });

  it('passes extra roots to the stages through the run settings', async () => {
    const dir = dirWith({ '.flushcheck.json': JSON.stringify({ roots: { 'page-type-change': ['retype_frame'] } }) });
    mkdirSync(join(dir, 'sub'));
    const cli = await runCli(['review', '--format', 'json', SAMPLE], { cwd: dir });
    expect(JSON.parse(cli.stdout).settings.roots).toEqual({ 'page-type-change': ['retype_frame'] });
  });
});
