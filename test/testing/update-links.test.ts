import { copyFileSync, linkSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixture, runCli } from '../helpers/cli.js';

// `flushcheck test --update` writes only regular files inside the fixture directories it was given.

let root: string;
let fixtures: string;
let outside: string;
const CASE = fixture('cases', 'alloc-filter-plain.diff');
const KEEP = '# not flushcheck output: must survive\n';

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'flushcheck-links-'));
  fixtures = join(root, 'fixtures');
  outside = join(root, 'outside');
  mkdirSync(fixtures);
  mkdirSync(outside);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('flushcheck test --update and links', () => {
  it('refuses a .expect that is a symbolic link to a file outside, and leaves the target alone', async () => {
    copyFileSync(CASE, join(fixtures, 'case.diff'));
    writeFileSync(join(outside, 'target'), KEEP);
    symlinkSync(join(outside, 'target'), join(fixtures, 'case.expect'));
    const run = await runCli(['test', '--update', fixtures]);
    expect(readFileSync(join(outside, 'target'), 'utf8')).toBe(KEEP);
    expect(run.code).not.toBe(0);
    expect(run.stdout).toContain('case.expect: is outside the fixture directories');
  });

  it('refuses a symbolic link even inside the fixtures, rather than write through it', async () => {
    copyFileSync(CASE, join(fixtures, 'case.diff'));
    writeFileSync(join(fixtures, 'other.txt'), KEEP);
    symlinkSync('other.txt', join(fixtures, 'case.expect'));
    const run = await runCli(['test', '--update', fixtures]);
    expect(readFileSync(join(fixtures, 'other.txt'), 'utf8')).toBe(KEEP);
    expect(run.stdout).toContain('case.expect: is a symbolic link: not written through');
  });

  it('writes no .expect into a directory a link leads out to', async () => {
    mkdirSync(join(outside, 'cases'));
    copyFileSync(CASE, join(outside, 'cases', 'case.diff'));
    symlinkSync(join(outside, 'cases'), join(fixtures, 'linked'));
    await runCli(['test', '--update', fixtures]);
    expect(readdirSync(join(outside, 'cases'))).toEqual(['case.diff']);
  });

  it('replaces a hard-linked .expect instead of writing into the file it shares', async () => {
    copyFileSync(CASE, join(fixtures, 'case.diff'));
    writeFileSync(join(outside, 'shared'), KEEP);
    linkSync(join(outside, 'shared'), join(fixtures, 'case.expect'));
    const run = await runCli(['test', '--update', fixtures]);
    expect(run.stdout).toContain('updated');
    expect(readFileSync(join(outside, 'shared'), 'utf8')).toBe(KEEP);
    expect(readFileSync(join(fixtures, 'case.expect'), 'utf8')).not.toBe(KEEP);
  });

  it('still updates an ordinary .expect', async () => {
    copyFileSync(CASE, join(fixtures, 'case.diff'));
    const run = await runCli(['test', '--update', fixtures]);
    expect(run.code).toBe(0);
    const findings = (path: string): string[] =>
      readFileSync(path, 'utf8')
        .split('\n')
        .filter((l) => l && !l.startsWith('#'));
    expect(findings(join(fixtures, 'case.expect'))).toEqual(findings(fixture('cases', 'alloc-filter-plain.expect')));
  });
});
