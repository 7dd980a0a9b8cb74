import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { FORMAT_NAMES } from '../report/formats.js';
import { UsageError } from './context.js';

/** One report of a run: a format, and the file it goes to (none: standard output). */
export interface OutputTarget {
  format: string;
  file?: string;
}

/** Commander's collector for `--format NAME[:FILE]` (repeatable): the name is checked as it is typed. */
export function collectFormat(value: string, previous: string[]): string[] {
  const at = value.indexOf(':');
  const name = at < 0 ? value : value.slice(0, at);
  if (!FORMAT_NAMES.includes(name)) throw new InvalidArgumentError(`unknown format "${name}" (known: ${FORMAT_NAMES.join(', ')})`);
  if (at >= 0 && at === value.length - 1) throw new InvalidArgumentError(`"${value}" names no file after the colon`);
  return [...previous, value];
}

/**
 * Where each report goes. A bare format goes to standard output (or to
 * `--output`), so at most one may be bare; no format at all is text. A file
 * named twice would be overwritten by the second report, so that is refused.
 */
export function outputTargets(formats: readonly string[], output: string | undefined, cwd: string): OutputTarget[] {
  const targets: OutputTarget[] = (formats.length ? formats : ['text']).map((value) => {
    const at = value.indexOf(':');
    return at < 0 ? { format: value } : { format: value.slice(0, at), file: value.slice(at + 1) };
  });
  const bare = targets.filter((t) => t.file === undefined);
  if (bare.length > 1) throw new UsageError(`--format: ${bare.map((t) => t.format).join(' and ')} both go to standard output; give all but one a file (--format ${bare[1]!.format}:FILE)`);
  if (output !== undefined) {
    if (output === '') throw new UsageError('--output: no file given');
    if (bare.length === 0) throw new UsageError('--output: every --format already names its file');
    bare[0]!.file = output;
  }
  const seen = new Set<string>();
  for (const t of targets) {
    if (t.file === undefined) continue;
    const path = resolve(cwd, t.file);
    if (seen.has(path)) throw new UsageError(`--format: ${t.file} is named twice`);
    seen.add(path);
  }
  return targets;
}

/**
 * Writes each file next to its destination and renames it into place only
 * once every file is complete: a reader (a CI upload step, an editor) never
 * sees a half-written report, and a failed run leaves the old files alone.
 */
export function writeFilesAtomically(files: readonly { file: string; chunks: Iterable<string> }[], cwd: string): void {
  const written: { temp: string; path: string }[] = [];
  try {
    for (const { file, chunks } of files) {
      const path = resolve(cwd, file);
      const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
      let fd: number;
      try {
        fd = openSync(temp, 'wx');
      } catch (error) {
        throw new UsageError(`${file}: cannot write (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      }
      written.push({ temp, path });
      try {
        for (const chunk of chunks) writeSync(fd, chunk);
      } finally {
        closeSync(fd);
      }
    }
    for (const [i, { temp, path }] of written.entries()) {
      try {
        renameSync(temp, path);
      } catch (error) {
        throw new UsageError(`${files[i]!.file}: cannot write (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      }
    }
  } finally {
    for (const { temp } of written) rmSync(temp, { force: true });
  }
}
