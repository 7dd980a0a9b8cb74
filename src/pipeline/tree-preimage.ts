import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { BaseTreeReader, FileDiff, Patch, TreeMismatch } from '../types.js';
import { containedFile } from '../parser/base-tree.js';

/** Enough to name the problem; a tree of the wrong release differs everywhere. */
const MAX_MISMATCHES = 100;
const NULL_BLOB = /^0+$/;

/** git's blob id of a file's bytes: SHA-1 of `blob <length>\0` and the bytes (what `git hash-object` prints). */
export function gitBlobId(bytes: Uint8Array): string {
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

/**
 * Whether `--tree` holds the files the patches were made against. A review
 * against another release's tree parses, models and simulates that release's
 * code, silently: this says so. A file is checked the first time a patch of
 * the run touches it (later patches of a series apply on top of earlier
 * ones, not on the tree), by git's blob id when the diff carries an `index`
 * line, else by the hunks' context and removed lines at the lines they state.
 */
export class PreimageCheck {
  private readonly touched = new Set<string>();
  private readonly found: TreeMismatch[] = [];
  private mismatches = 0;
  private checked = 0;

  constructor(private readonly tree: BaseTreeReader) {}

  add(patch: Patch): void {
    for (const file of patch.files) {
      const paths = [file.oldPath, file.newPath].filter((p): p is string => p !== null);
      const seen = paths.some((p) => this.touched.has(p));
      for (const p of paths) this.touched.add(p);
      if (seen) continue;
      const mismatch = this.checkFile(file);
      if (mismatch === null) continue;
      this.checked++;
      if (!mismatch) continue;
      this.mismatches++;
      if (this.found.length < MAX_MISMATCHES) this.found.push({ patch: patch.meta.index, ...mismatch });
    }
  }

  /** Undefined when no file was checked (every input carried its own base). */
  result(): { treeMatchesPreimage: boolean; treeMismatches?: TreeMismatch[] } | undefined {
    if (this.checked === 0) return undefined;
    return this.mismatches === 0 ? { treeMatchesPreimage: true } : { treeMatchesPreimage: false, treeMismatches: this.found };
  }

  /** A mismatch, `undefined` when the tree holds the preimage, `null` when nothing could be compared. */
  private checkFile(file: FileDiff): Omit<TreeMismatch, 'patch'> | undefined | null {
    if (file.oldPath === null) {
      // The patch creates the file: the tree must not have it yet.
      if (file.newPath === null) return null;
      return this.tree.read(file.newPath) === undefined ? undefined : { file: file.newPath, reason: 'exists' };
    }
    const path = file.oldPath;
    if (file.oldBlob && !NULL_BLOB.test(file.oldBlob)) {
      const bytes = this.bytes(path);
      if (bytes === undefined) return { file: path, reason: 'missing' };
      return gitBlobId(bytes).startsWith(file.oldBlob) ? undefined : { file: path, reason: 'blob', expected: file.oldBlob };
    }
    const text = this.tree.read(path);
    if (text === undefined) return { file: path, reason: 'missing' };
    if (file.hunks.length === 0) return file.status === 'binary' ? null : undefined;
    const lines = text.split('\n');
    for (const hunk of file.hunks)
      for (const line of hunk.lines) {
        if (line.change === 'added' || line.oldLine === undefined) continue;
        // Trailing blanks are what mail most often damages; `git apply` is told to ignore them too.
        if ((lines[line.oldLine - 1] ?? '').trimEnd() !== line.text.trimEnd()) return { file: path, reason: 'context', line: line.oldLine };
      }
    return undefined;
  }

  /** The file's bytes as git hashes them (no line-ending change), from a directory tree; its text otherwise. */
  private bytes(path: string): Uint8Array | undefined {
    const dir = this.tree.directory;
    if (dir === undefined) {
      const text = this.tree.read(path);
      return text === undefined ? undefined : Buffer.from(text, 'utf8');
    }
    const full = containedFile(dir, path);
    if (!full) return undefined;
    try {
      return readFileSync(full);
    } catch {
      return undefined;
    }
  }
}
