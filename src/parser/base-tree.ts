import { execFileSync } from 'node:child_process';
import { lstatSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/** Where the patch's base files come from: a directory (`--tree`) or a git revision. */
export interface BaseTree {
  /** Human-readable origin, e.g. `tree:/src/xen` or `git:abc123`. */
  readonly label: string;
  /** The file's text, or undefined when absent or outside the tree. */
  read(path: string): string | undefined;
}

/**
 * The real path of the regular file `path` names under `root` (a real path),
 * when it lies inside: a path from a patch may name `../`, an absolute path or
 * a symlink, and none may leave the tree; nor is a FIFO or a device read (a
 * read would wait forever). `directories` remembers each directory's real
 * path for a reader that asks many files: a file then costs one lstat, where
 * realpath(3) reads every component of every path.
 */
export function containedFile(root: string, path: string, directories?: Map<string, string>): string | undefined {
  if (isAbsolute(path) || path.split(/[\\/]/).includes('..')) return undefined;
  const full = resolve(root, path);
  let real: string;
  try {
    const stats = lstatSync(full, { throwIfNoEntry: false });
    if (!stats) return undefined;
    if (stats.isSymbolicLink()) {
      real = realpathSync.native(full);
      if (!statSync(real).isFile()) return undefined;
    } else {
      if (!stats.isFile()) return undefined;
      const directory = dirname(full);
      let realDirectory = directories?.get(directory);
      if (realDirectory === undefined) {
        realDirectory = realpathSync.native(directory);
        directories?.set(directory, realDirectory);
      }
      real = join(realDirectory, basename(full));
    }
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
  /** Real paths of the directories read from, while this view of the tree lives (one run). */
  private readonly directories = new Map<string, string>();
  constructor(dir: string) {
    this.root = realpathSync(dir);
    this.label = `tree:${dir}`;
  }
  read(path: string): string | undefined {
    const full = containedFile(this.root, path, this.directories);
    if (!full) return undefined;
    try {
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
