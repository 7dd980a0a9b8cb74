import { execFileSync } from 'node:child_process';
import { lstatSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from './helpers/cli.js';

// The repository stands alone (issue 11): a clone needs nothing beside it, so no
// file may link out of it or name a path of one machine.

const SKIP = new Set(['node_modules', '.git', 'dist']);

function* walk(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else yield path;
  }
}

// Built from parts so this file does not match itself.
const MACHINE_PATH = new RegExp(`(^|[^A-Za-z0-9_.])/(${['work', 'home', 'root', 'Users', 'tmp'].join('|')})/`);

/** What a clone holds: git's tracked files (build output and ignored bench results are not the repository's). */
function repositoryFiles(): string[] {
  try {
    return execFileSync('git', ['ls-files', '-z'], { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .split('\0')
      .filter(Boolean)
      .map((f) => join(REPO, f));
  } catch {
    return [...walk(REPO)]; // not a git checkout (an unpacked tarball): every file there
  }
}

describe('the repository', () => {
  const files = repositoryFiles();

  it('has files to check', () => {
    expect(files.length).toBeGreaterThan(100);
  });

  it('holds no link that leaves it', () => {
    const leaving = files.filter((f) => {
      if (!lstatSync(f).isSymbolicLink()) return false;
      try {
        return !realpathSync(f).startsWith(REPO + sep);
      } catch {
        return true; // dangling: points at something only one machine had
      }
    });
    expect(leaving.map((f) => relative(REPO, f))).toEqual([]);
  });

  it('names no path of one machine', () => {
    const named = files.filter((f) => !f.endsWith('package-lock.json') && lstatSync(f).size < 4 << 20 && MACHINE_PATH.test(readFileSync(f, 'utf8')));
    expect(named.map((f) => relative(REPO, f))).toEqual([]);
  });
});
