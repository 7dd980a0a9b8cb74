import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, SAMPLE } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'flushcheck-errors-'));
const file = (name: string, content: string | Buffer): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

const truncated = [
  'diff --git a/xen/common/x.c b/xen/common/x.c',
  '--- a/xen/common/x.c',
  '+++ b/xen/common/x.c',
  '@@ -10,7 +10,7 @@ static void f(void)',
  '     a();',
  '-    flush_tlb_mask(m);',
  '+    arch_flush_tlb_mask(m);',
  '',
].join('\n');

const bad: [string, () => string, RegExp][] = [
  ['empty input', () => file('empty.patch', ''), /empty input/],
  ['random bytes', () => file('random.bin', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256))), /binary data|not a patch|no unified diff/],
  ['a directory', () => dir, /is a directory/],
  ['a missing file', () => join(dir, 'missing.patch'), /no such file/],
  ['a truncated hunk', () => file('truncated.patch', truncated), /truncated hunk/],
];

describe('bad inputs', () => {
  for (const [what, make, message] of bad) {
    it(`${what}: exit 2, one line naming the file, and the sample sites still reported`, async () => {
      const path = make();
      const run = await runCli(['review', '--format', 'json', path, SAMPLE]);
      expect(run.code).toBe(2);
      const lines = run.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(path);
      expect(lines[0]).toMatch(message);
      expect(lines[0]).not.toMatch(/\n\s+at /);
      const json = JSON.parse(run.stdout);
      expect(json.errors).toHaveLength(1);
      expect(json.patches).toHaveLength(1);
      expect(json.sites.some((s: { api: string; file: string }) => s.file === 'xen/common/memory.c' && s.api === 'filtered_flush_tlb_mask')).toBe(true);
    });
  }

  it('C nested deeper than any real code is refused with its place, without hanging, and the rest is reported', async () => {
    const { readFileSync } = await import('node:fs');
    const seed = readFileSync(SAMPLE, 'utf8');
    const line = '+        filtered_flush_tlb_mask(tlbflush_timestamp, false);';
    const at = seed.indexOf(line);
    // Same hunk counts: one added line replaced by one nested 3000 levels deep.
    const deep = `${seed.slice(0, at)}+${'{ if ( ('.repeat(3000)}x${') ) }'.repeat(3000)}${seed.slice(at + line.length)}`;
    const run = await runCli(['review', '--format', 'json', file('deep.patch', deep), SAMPLE]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/deep\.patch: patch 1: xen\/common\/memory\.c:293: C nested more than 256 levels deep/);
    const json = JSON.parse(run.stdout);
    expect(json.sites.some((s: { patch: number; file: string }) => s.patch === 1 && s.file === 'xen/common/memory.c')).toBe(true);
  });

  it('names the hunk header line of a truncated hunk', async () => {
    const run = await runCli(['review', file('t2.patch', truncated)]);
    expect(run.stderr).toMatch(/t2\.patch:4: truncated hunk in xen\/common\/x\.c/);
  });

  it('an unknown option is a usage error with exit 2', async () => {
    const run = await runCli(['review', '--no-such-option', SAMPLE]);
    expect(run.code).toBe(2);
  });
});

describe('exit codes and output', () => {
  it('is deterministic: same input, same bytes', async () => {
    const a = await runCli(['review', '--format', 'json', SAMPLE]);
    const b = await runCli(['review', '--format', 'json', SAMPLE]);
    expect(a.stdout).toBe(b.stdout);
    const t1 = await runCli(['review', SAMPLE]);
    const t2 = await runCli(['review', SAMPLE]);
    expect(t1.stdout).toBe(t2.stdout);
  });

  it('colours text only on a terminal and never with NO_COLOR', async () => {
    expect((await runCli(['review', SAMPLE])).stdout).not.toContain('\u001b[');
    expect((await runCli(['review', SAMPLE], { isTTY: true })).stdout).toContain('\u001b[');
    expect((await runCli(['review', SAMPLE], { isTTY: true, env: { NO_COLOR: '1' } })).stdout).not.toContain('\u001b[');
  });

  it('reads standard input with no argument or -', async () => {
    const { readFileSync } = await import('node:fs');
    const seed = readFileSync(SAMPLE);
    const none = await runCli(['review', '--format', 'json'], { stdin: seed });
    const dash = await runCli(['review', '--format', 'json', '-'], { stdin: seed });
    expect(JSON.parse(none.stdout).sites.length).toBeGreaterThan(10);
    expect(none.stdout.replaceAll('"-"', '"x"')).toBe(dash.stdout.replaceAll('"-"', '"x"'));
  });
});

describe("the bundled example (the README's first command)", () => {
  it('reports the batch flush that must force an IPI, and exits 1', async () => {
    const { REPO } = await import('../helpers/cli.js');
    const run = await runCli(['review', '--format', 'json', join(REPO, 'examples', 'deferred-flush.patch')]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const json = JSON.parse(run.stdout) as { findings: { ruleId: string; file: string; line: number; function: string; arch: string }[] };
    expect(json.findings.map((f) => `${f.ruleId} ${f.file}:${f.line} ${f.function} ${f.arch}`)).toEqual(['FC001 xen/common/balloon.c:68 balloon_fill x86']);
  });
});
