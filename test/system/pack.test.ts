import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../helpers/cli.js';

// The package as a user gets it: packed from a clean copy of the checkout (a fresh
// dist/, nothing left over from an earlier build), installed into an empty folder
// from the tarball (the registry only for its dependencies), run through npx.

let work: string;
let tarball: string;
let files: string[];
let app: string;
const VERSION = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
const npm = (args: string[], cwd: string): string =>
  execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false' } });

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'flushcheck-pack-'));
  const copy = join(work, 'checkout');
  const tracked = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const file of tracked) {
    if (!existsSync(join(REPO, file))) continue;
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    copyFileSync(join(REPO, file), join(copy, file));
  }
  // The build (prepare: tsc) needs the checkout's dev dependencies.
  symlinkSync(join(REPO, 'node_modules'), join(copy, 'node_modules'), 'dir');
  const packed = JSON.parse(npm(['pack', '--json', '--pack-destination', work], copy)) as { filename: string; files: { path: string }[] }[];
  tarball = join(work, packed[0]!.filename);
  files = packed[0]!.files.map((f) => f.path).sort();
  app = join(work, 'app');
  mkdirSync(app);
  npm(['install', '--no-audit', '--no-fund', tarball], app);
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('npm pack, then npm install <tarball> into an empty folder', () => {
  it('the tarball holds the CLI, its build, schemas, the example, README and LICENSE, and no sources or tests', () => {
    for (const needed of [
      'LICENSE',
      'README.md',
      'bin/flushcheck.js',
      'bin/v8-flags.js',
      'dist/cli.js',
      'dist/flushcheck.bundle.cache',
      'dist/flushcheck.bundle.cjs',
      'dist/flushcheck.bundle.js',
      'dist/scan-worker.bundle.js',
      'examples/deferred-flush.patch',
      'package.json',
      'schema/flushcheck-config.schema.json',
      'schema/flushcheck-result.schema.json',
    ])
      expect(files).toContain(needed);
    expect(files.filter((f) => /^(src|test|fixtures|bench|scripts)\//.test(f) || f.endsWith('.ts'))).toEqual([]);
    expect(readFileSync(join(app, 'node_modules', 'flushcheck', 'LICENSE'), 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} the flushcheck authors\n/);
  });

  it('the installed CLI bundle compiles from the code cache its build left, under the V8 flags bin/ sets (same Node: not refused)', async () => {
    const installed = join(app, 'node_modules', 'flushcheck');
    const { V8_FLAGS } = (await import(pathToFileURL(join(installed, 'bin', 'v8-flags.js')).href)) as { V8_FLAGS: string[] };
    const bundle = join(installed, 'dist', 'flushcheck.bundle.cjs');
    const check = `const { Script } = require('node:vm'); const Module = require('node:module'); const { readFileSync } = require('node:fs');
      const s = new Script(Module.wrap(readFileSync(${JSON.stringify(bundle)}, 'utf8')), { filename: ${JSON.stringify(bundle)}, cachedData: readFileSync(${JSON.stringify(join(installed, 'dist', 'flushcheck.bundle.cache'))}) });
      process.stdout.write(String(s.cachedDataRejected));`;
    const run = spawnSync(process.execPath, [...V8_FLAGS, '-e', check], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('false');
  });

  it('npx flushcheck reviews the bundled example: exit 1 and the FC001 line', () => {
    const run = spawnSync('npx', ['--no-install', 'flushcheck', 'review', join('node_modules', 'flushcheck', 'examples', 'deferred-flush.patch')], { cwd: app, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^ {2}xen\/common\/balloon\.c:\d+ error FC001 missing-forced-ipi \[x86\] in balloon_fill: /m);
  });

  it('npx flushcheck scan parses on worker threads started from the bundle: the same report as in the main thread', () => {
    const tree = join(work, 'checkout', 'fixtures', 'trees', 'classify', 'wrapper-chain');
    const scan = (jobs: string) => spawnSync('npx', ['--no-install', 'flushcheck', 'scan', '--format', 'json', '--jobs', jobs, tree], { cwd: app, encoding: 'utf8' });
    const threads = scan('2');
    expect(threads.stderr).toBe('');
    expect(threads.status).toBe(0);
    expect(JSON.parse(threads.stdout).sites.length).toBeGreaterThan(0);
    expect(threads.stdout).toBe(scan('0').stdout);
  });

  it('npx flushcheck --version is the package version; a bad option is exit 2', () => {
    expect(spawnSync('npx', ['--no-install', 'flushcheck', '--version'], { cwd: app, encoding: 'utf8' }).stdout.trim()).toBe(VERSION);
    const bad = spawnSync('npx', ['--no-install', 'flushcheck', 'review', '--arch', ''], { cwd: app, encoding: 'utf8', input: '' });
    expect(bad.status).toBe(2);
  });
});
