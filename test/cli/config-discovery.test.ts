import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findConfigFile } from '../../src/config.js';
import { fixture, runCli, SAMPLE } from '../helpers/cli.js';

const STALE = fixture('suppressions', 'stale.patch');
const X86_ONLY = JSON.stringify({ architectures: ['x86'] });

/** A checkout (`.git` as a directory or, as in a worktree, a file) with nested folders. */
function checkout(gitAsFile = false): string {
  const outer = mkdtempSync(join(tmpdir(), 'flushcheck-discover-'));
  const root = join(outer, 'repo');
  mkdirSync(join(root, 'xen', 'arch', 'x86'), { recursive: true });
  if (gitAsFile) writeFileSync(join(root, '.git'), 'gitdir: /elsewhere\n');
  else mkdirSync(join(root, '.git'));
  return root;
}

describe('.flushcheck.json found upward', () => {
  it('is found from a subdirectory of the checkout and named from the repository root', () => {
    for (const gitAsFile of [false, true]) {
      const root = checkout(gitAsFile);
      writeFileSync(join(root, '.flushcheck.json'), X86_ONLY);
      expect(findConfigFile(join(root, 'xen', 'arch', 'x86'))).toEqual({ path: join(root, '.flushcheck.json'), name: '.flushcheck.json' });
    }
  });

  it('takes the nearest one, and names a nested one by its repository path', () => {
    const root = checkout();
    writeFileSync(join(root, '.flushcheck.json'), X86_ONLY);
    writeFileSync(join(root, 'xen', '.flushcheck.json'), X86_ONLY);
    expect(findConfigFile(join(root, 'xen', 'arch'))?.name).toBe('xen/.flushcheck.json');
    expect(findConfigFile(root)?.name).toBe('.flushcheck.json');
  });

  it('never reads a file above the repository root, nor a directory of that name', () => {
    const root = checkout();
    writeFileSync(join(root, '..', '.flushcheck.json'), X86_ONLY);
    expect(findConfigFile(join(root, 'xen'))).toBeUndefined();
    mkdirSync(join(root, 'xen', '.flushcheck.json'));
    expect(findConfigFile(join(root, 'xen', 'arch'))).toBeUndefined();
  });

  it('outside a repository climbs to the filesystem root and names the file from the current directory', () => {
    const outer = mkdtempSync(join(tmpdir(), 'flushcheck-norepo-'));
    mkdirSync(join(outer, 'a', 'b'), { recursive: true });
    writeFileSync(join(outer, '.flushcheck.json'), X86_ONLY);
    expect(findConfigFile(join(outer, 'a', 'b'))?.name).toBe('../../.flushcheck.json');
  });

  it.each([
    ['review', ['review', '--format', 'json', STALE]],
    ['scan', ['scan', fixture('trees', 'classify', 'obligations'), '--format', 'json', '--jobs', '0']],
  ])('%s reads it from a subdirectory and says so in settings', async (_name, args) => {
    const root = checkout();
    writeFileSync(join(root, '.flushcheck.json'), X86_ONLY);
    const cli = await runCli(args, { cwd: join(root, 'xen', 'arch', 'x86') });
    const run = JSON.parse(cli.stdout);
    expect(run.settings.arches).toEqual(['x86']);
    expect(run.settings.configFile).toBe('.flushcheck.json');
  });

  it('explain reads it too (the architectures it replays)', async () => {
    const root = checkout();
    writeFileSync(join(root, '.flushcheck.json'), X86_ONLY);
    const cli = await runCli(['explain', 'xen/common/memory.c:293', '--format', 'json', SAMPLE], { cwd: join(root, 'xen') });
    expect(cli.stderr).toBe('');
    const doc = JSON.parse(cli.stdout) as { sites: { arch: Record<string, unknown> }[] };
    expect(doc.sites.length).toBeGreaterThan(0);
    for (const site of doc.sites) expect(Object.keys(site.arch)).not.toContain('arm');
    expect(doc.sites.some((s) => Object.keys(s.arch).includes('x86'))).toBe(true);
  });

  it('--config-file wins over a discovered file, and is named as typed', async () => {
    const root = checkout();
    writeFileSync(join(root, '.flushcheck.json'), '{"bad key": 1}');
    writeFileSync(join(root, 'other.json'), JSON.stringify({ architectures: ['arm'] }));
    const cli = await runCli(['review', '--format', 'json', '--config-file', '../other.json', STALE], { cwd: join(root, 'xen') });
    expect(cli.stderr).toBe('');
    const run = JSON.parse(cli.stdout);
    expect(run.settings).toMatchObject({ arches: ['arm'], configFile: '../other.json' });
  });

  it('a broken discovered file is one line naming it, exit 2', async () => {
    const root = checkout();
    writeFileSync(join(root, '.flushcheck.json'), '{"rulez": {}}');
    const cli = await runCli(['review', '--format', 'json', STALE], { cwd: join(root, 'xen', 'arch') });
    expect(cli).toEqual({ code: 2, stdout: '', stderr: 'flushcheck: .flushcheck.json: unknown key "rulez" at top level\n' });
  });
});
