import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';

/** Where the patch's base files come from: a directory (`--tree`) or a git revision. */
export interface BaseTree {
  /** Human-readable origin, e.g. `tree:/src/xen` or `git:abc123`. */
  readonly label: string;
  /** The file's text, or undefined when absent or outside the tree. */
  read(path: string): string | undefined;
}

/** A path from a patch may name `../`, an absolute path or a symlink: none may leave the tree. */
export function containedPath(root: string, path: string): string | undefined {
  if (isAbsolute(path) || path.split(/[\\/]/).includes('..')) return undefined;
  const full = resolve(root, path);
  // Most paths asked are a header search's misses: one stat says so, where realpath(3) reads every component.
  if (!existsSync(full)) return undefined;
  let real: string;
  try {
    // One realpath(3) call: the JavaScript one lstats every component of every file read.
    real = realpathSync.native(full);
  } catch {
    return undefined;
  }
  const rel = relative(root, real);
  if (rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return real;
}

export class DirTree implements BaseTree {
  readonly label: string;
  private readonly root: string;
  constructor(dir: string) {
    this.root = realpathSync(dir);
    this.label = `tree:${dir}`;
  }
  read(path: string): string | undefined {
    const full = containedPath(this.root, path);
    if (!full) return undefined;
    try {
      if (!statSync(full).isFile()) return undefined;
      return readFileSync(full, 'utf8').replace(/\r\n?/g, '\n');
    } catch {
      return undefined;
    }
  }
  /** The root, for whole-tree work (scan, model headers). */
  get directory(): string {
    return this.root;
  }
  join(path: string): string {
    return join(this.root, path.split('/').join(sep));
  }
}

/** Files at a git revision, read with `git show` (no shell, work tree untouched). */
export class GitTree implements BaseTree {
  readonly label: string;
  constructor(
    private readonly repo: string,
    private readonly rev: string,
  ) {
    this.label = `git:${rev}`;
  }
  read(path: string): string | undefined {
    if (isAbsolute(path) || path.split('/').includes('..')) return undefined;
    try {
      return execFileSync('git', ['show', `${this.rev}:${path}`], { cwd: this.repo, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] }).replace(/\r\n?/g, '\n');
    } catch {
      return undefined;
    }
  }
}
