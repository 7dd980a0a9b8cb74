import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO, runCli, SAMPLE } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'flushcheck-outputs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const alone = async (format: string, args: string[]): Promise<string> => (await runCli([...args, '--format', format])).stdout;

describe('several formats in one run: --format NAME[:FILE], -o FILE', () => {
  for (const args of [
    ['review', SAMPLE],
    ['scan', join(REPO, 'fixtures', 'forms', 'tree-context.tree')],
  ]) {
    it(`${args[0]}: each file holds what that format alone prints, the bare one goes to standard output`, async () => {
      const out = join(dir, args[0]!);
      mkdirSync(out);
      const run = await runCli([...args, '--format', `sarif:${join(out, 'out.sarif')}`, '--format', 'markdown:comment.md', '-f', 'json'], { cwd: out });
      expect(run.stderr).toBe('');
      expect(run.stdout).toBe(await alone('json', args));
      expect(readFileSync(join(out, 'out.sarif'), 'utf8')).toBe(await alone('sarif', args));
      expect(readFileSync(join(out, 'comment.md'), 'utf8')).toBe(await alone('markdown', args));
      expect(run.code).toBe((await runCli(args)).code);
      // Temporary files are renamed into place, none left behind.
      expect(readdirSync(out).sort()).toEqual(['comment.md', 'out.sarif']);
    });
  }

  it('-o writes the standard-output report (text by default) to a file, over an older one, and prints nothing', async () => {
    const file = join(dir, 'report.txt');
    writeFileSync(file, 'old report\n');
    const run = await runCli(['review', '-o', file, SAMPLE]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(readFileSync(file, 'utf8')).toBe((await runCli(['review', SAMPLE])).stdout);
    const json = await runCli(['review', '--format', 'json', '--output', file, SAMPLE]);
    expect(json.stdout).toBe('');
    expect(readFileSync(file, 'utf8')).toBe(await alone('json', ['review', SAMPLE]));
  });

  it('only file formats: standard output stays empty', async () => {
    const run = await runCli(['review', '--format', `gitlab:${join(dir, 'cq.json')}`, SAMPLE]);
    expect(run.stdout).toBe('');
    expect(JSON.parse(readFileSync(join(dir, 'cq.json'), 'utf8'))).toBeInstanceOf(Array);
  });

  it('files are never coloured, even on a terminal', async () => {
    const run = await runCli(['review', '-f', `text:${join(dir, 'tty.txt')}`, '-f', 'text', SAMPLE], { isTTY: true });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('\u001b[');
    expect(readFileSync(join(dir, 'tty.txt'), 'utf8')).toBe((await runCli(['review', SAMPLE])).stdout);
  });

  const usage: [string, string[], RegExp][] = [
    ['two formats to standard output', ['-f', 'json', '-f', 'text'], /^flushcheck: --format: json and text both go to standard output/],
    ['an unknown format', ['-f', 'yaml:x.yml'], /unknown format "yaml"/],
    ['a colon and no file', ['-f', 'sarif:'], /names no file after the colon/],
    ['the same file twice', ['-f', `sarif:${join(dir, 'a')}`, '-f', `json:${join(dir, 'a')}`], /is named twice/],
    ['-o when every format has its file', ['-f', `sarif:${join(dir, 'b')}`, '-o', join(dir, 'c')], /--output: every --format already names its file/],
    ['a folder that does not exist', ['-f', `sarif:${join(dir, 'missing', 'x.sarif')}`], /x\.sarif: cannot write \(ENOENT\)/],
  ];
  for (const [what, args, message] of usage) {
    it(`${what}: one line, exit 2, nothing written`, async () => {
      const before = readdirSync(dir).sort();
      const run = await runCli(['review', ...args, SAMPLE]);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(message);
      expect(readdirSync(dir).sort()).toEqual(before);
    });
  }

  it('a failed write leaves the other files as they were (all or none)', async () => {
    const kept = join(dir, 'kept.sarif');
    writeFileSync(kept, 'previous\n');
    const run = await runCli(['review', '-f', `sarif:${kept}`, '-f', `json:${join(dir, 'nowhere', 'x.json')}`, SAMPLE]);
    expect(run.code).toBe(2);
    expect(readFileSync(kept, 'utf8')).toBe('previous\n');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
