import parseDiff from 'parse-diff';
import type { FileDiff, FileStatus, Hunk, HunkLine, ToolError } from '../types.js';

/** A run of input lines that holds one unified diff, with where it starts. */
export interface DiffRegion {
  /** 1-based input line of the region's first line. */
  firstLine: number;
  lines: string[];
}

const DIFF_GIT = /^diff --git /;
/** Longer than any path a diff header can carry (PATH_MAX is 4096). */
const MAX_HEADER_LINE = 8192;
const OLD_FILE = /^--- /;
const NEW_FILE = /^\+\+\+ /;
const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@ ?(.*)$/;

/** True when `lines[i]` opens a diff: `diff --git`, or `---`/`+++` followed by `@@`. */
export function opensDiff(lines: readonly string[], i: number): boolean {
  const line = lines[i] ?? '';
  if (DIFF_GIT.test(line)) return true;
  return OLD_FILE.test(line) && NEW_FILE.test(lines[i + 1] ?? '') && HUNK_HEADER.test(lines[i + 2] ?? '');
}

/**
 * Finds the unquoted diff in a message body: from the first line that opens a
 * diff to the mail signature (`-- `) or the end. Quoted lines (`> `) never open one.
 */
export function findDiffRegion(lines: readonly string[], firstLine: number): DiffRegion | undefined {
  const start = lines.findIndex((_, i) => opensDiff(lines, i));
  if (start < 0) return undefined;
  let end = lines.length;
  for (let i = start; i < lines.length; i++) {
    if (lines[i] === '-- ' || lines[i] === '--') {
      // `--` alone could be a removed line "-" of a hunk; only a signature if a version line follows or nothing does.
      if (lines[i] === '-- ' || !/^[-+ @\\]/.test(lines[i + 1] ?? '')) {
        end = i;
        break;
      }
    }
  }
  return { firstLine: firstLine + start, lines: lines.slice(start, end) };
}

interface FileHeader {
  /** Index of the file's first line in the region. */
  at: number;
  /** Opened by `diff --git`: paths are exact, renames and copies are real. */
  git: boolean;
  /** `rename from`/`copy from` and `rename to`/`copy to`: exact paths, with no a/ b/ prefix to guess at. */
  from?: string;
  to?: string;
  status: FileStatus;
  notes: string[];
  hunkLines: number[];
}

/**
 * Extended git headers that parse-diff does not keep (renames, copies,
 * binaries) and the input position of each hunk header. File boundaries
 * follow parse-diff's own rules so the two lists stay index-aligned.
 */
function scanFileHeaders(lines: readonly string[]): FileHeader[] {
  const headers: FileHeader[] = [];
  let current: FileHeader | undefined;
  let remainingOld = 0;
  let remainingNew = 0;
  const startFile = (at: number): FileHeader => {
    current = { at, git: /^diff --git /.test(lines[at] ?? ''), status: 'modified', notes: [], hunkLines: [] };
    headers.push(current);
    return current;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (remainingOld !== 0 || remainingNew !== 0) {
      if (line.startsWith('\\')) continue;
      if (line.startsWith('-')) remainingOld--;
      else if (line.startsWith('+')) remainingNew--;
      else {
        remainingOld--;
        remainingNew--;
      }
      continue;
    }
    let file: FileHeader | undefined = current;
    if (/^diff\s/.test(line)) file = startFile(i);
    else if (/^(---\s|\+\+\+\s|new file mode|deleted file mode|old mode|new mode|index\s)/.test(line) && (!file || file.hunkLines.length > 0)) file = startFile(i);
    const hunk = HUNK_HEADER.exec(line);
    if (hunk) {
      file ??= startFile(i);
      file.hunkLines.push(i);
      remainingOld = hunk[2] === undefined ? 1 : Number(hunk[2]);
      remainingNew = hunk[4] === undefined ? 1 : Number(hunk[4]);
      continue;
    }
    if (!file) continue;
    const moved = /^(rename|copy) (from|to) (.+)$/.exec(line);
    if (moved) {
      file.status = moved[1] === 'rename' ? 'renamed' : 'copied';
      file[moved[2] as 'from' | 'to'] = moved[3]!;
    } else if (/^Binary files .* differ$/.test(line) || line === 'GIT binary patch') file.status = 'binary';
    if (/^(old mode|new mode|similarity index|dissimilarity index|rename |copy |Binary files|GIT binary patch|new file mode|deleted file mode)/.test(line)) {
      file.notes.push(line);
    }
  }
  return headers;
}

const stripPrefix = (path: string | undefined): string | null => {
  if (!path || path === '/dev/null') return null;
  return path;
};

/**
 * Paths of a plain `diff -u` / `diff -ur` entry. Such a diff cannot rename: it
 * compares two trees (`xen-4.17.orig/xen/mm.c` and `xen-4.17/xen/mm.c`) or two
 * copies of one file (`mm.c.orig` and `mm.c`). Like `patch -p1`, drop a
 * leading directory the two paths disagree on, then name both sides by the
 * new path, which is the file the patch applies to.
 */
function plainDiffPaths(from: string | null, to: string | null): { oldPath: string | null; newPath: string | null } {
  if (!from || !to || from === to) return { oldPath: from, newPath: to };
  const a = from.split('/');
  const b = to.split('/');
  if (a.length > 1 && b.length > 1 && a[0] !== b[0] && a.slice(1).join('/') === b.slice(1).join('/')) {
    const path = b.slice(1).join('/');
    return { oldPath: path, newPath: path };
  }
  return { oldPath: to, newPath: to };
}

function toHunkLines(chunk: parseDiff.Chunk): HunkLine[] {
  const out: HunkLine[] = [];
  for (const change of chunk.changes) {
    // parse-diff repeats the previous change for "\ No newline at end of file".
    if (change.content.startsWith('\\')) continue;
    const text = change.content.slice(1);
    if (change.type === 'add') out.push({ change: 'added', newLine: change.ln, text });
    else if (change.type === 'del') out.push({ change: 'removed', oldLine: change.ln, text });
    else out.push({ change: 'unchanged', oldLine: change.ln1, newLine: change.ln2, text });
  }
  return out;
}

/**
 * Parses a diff region into files and hunks. A hunk with fewer lines than its
 * header promises is an error at that header: the input was cut.
 */
export function parseDiffRegion(region: DiffRegion, source: string): { files: FileDiff[]; error?: ToolError } {
  // parse-diff's file-name pattern is quadratic on long `diff` lines; no real path is this long.
  const long = region.lines.findIndex((l) => l.length > MAX_HEADER_LINE && /^(diff|---|\+\+\+)\s/.test(l));
  if (long >= 0) {
    return { files: [], error: { file: source, line: region.firstLine + long, code: 'header-too-long', message: `diff header line is longer than ${MAX_HEADER_LINE} characters` } };
  }
  // parse-diff dereferences the previous change for a "\ No newline" marker; right after
  // a hunk header there is none, and such a marker means nothing anyway.
  const kept: number[] = [];
  region.lines.forEach((l, i) => {
    if (!(l.startsWith('\\') && /^@@ /.test(region.lines[i - 1] ?? ''))) kept.push(i);
  });
  const lines = kept.map((i) => region.lines[i]!);
  let parsed: parseDiff.File[];
  try {
    parsed = parseDiff(lines.join('\n'));
  } catch (error) {
    return { files: [], error: { file: source, line: region.firstLine, code: 'malformed-diff', message: `malformed diff: ${(error as Error).message}` } };
  }
  const headers = scanFileHeaders(lines);
  const files: FileDiff[] = [];
  for (let f = 0; f < parsed.length; f++) {
    const file = parsed[f]!;
    const header = headers[f];
    const hunks: Hunk[] = [];
    for (let h = 0; h < file.chunks.length; h++) {
      const chunk = file.chunks[h]!;
      const headerLine = header?.hunkLines[h];
      const inputLine = region.firstLine + (headerLine === undefined ? 0 : kept[headerLine]!);
      const lines = toHunkLines(chunk);
      const oldCount = lines.filter((l) => l.change !== 'added').length;
      const newCount = lines.filter((l) => l.change !== 'removed').length;
      if (oldCount < chunk.oldLines || newCount < chunk.newLines) {
        return {
          files,
          error: {
            file: source,
            line: inputLine,
            code: 'truncated-hunk',
            message: `truncated hunk in ${file.to ?? file.from ?? '?'}: header promises ${chunk.oldLines} old and ${chunk.newLines} new lines, found ${oldCount} and ${newCount}`,
          },
        };
      }
      if (oldCount > chunk.oldLines || newCount > chunk.newLines) {
        return {
          files,
          error: {
            file: source,
            line: inputLine,
            code: 'malformed-hunk',
            message: `malformed hunk in ${file.to ?? file.from ?? '?'}: header promises ${chunk.oldLines} old and ${chunk.newLines} new lines, found ${oldCount} and ${newCount}`,
          },
        };
      }
      const section = HUNK_HEADER.exec(chunk.content)?.[5] ?? '';
      hunks.push({
        oldStart: chunk.oldStart,
        oldLines: chunk.oldLines,
        newStart: chunk.newStart,
        newLines: chunk.newLines,
        section,
        inputLine,
        lines,
      });
    }
    let status: FileStatus = header?.status ?? 'modified';
    if (file.new) status = 'added';
    else if (file.deleted) status = 'deleted';
    if (status === 'modified' && hunks.length === 0 && (file.oldMode || file.newMode)) status = 'mode-only';
    let oldPath = header?.from ?? stripPrefix(file.from);
    let newPath = header?.to ?? stripPrefix(file.to);
    if (header?.git === false) {
      ({ oldPath, newPath } = plainDiffPaths(oldPath, newPath));
      // `diff -N` shows a missing file as an empty one under its own name.
      const only = hunks.length === 1 ? hunks[0]! : undefined;
      if (status === 'modified' && only?.oldStart === 0 && only.oldLines === 0) {
        status = 'added';
        oldPath = null;
      } else if (status === 'modified' && only?.newStart === 0 && only.newLines === 0) {
        status = 'deleted';
        newPath = null;
      }
    } else if (status === 'modified' && oldPath && newPath && oldPath !== newPath) {
      status = 'renamed';
    }
    const oldBlob = /^([0-9a-f]{4,64})\.\.[0-9a-f]{4,64}$/.exec(file.index?.[0] ?? '')?.[1];
    files.push({ oldPath, newPath, status, hunks, notes: header?.notes ?? [], ...(oldBlob ? { oldBlob } : {}) });
  }
  return { files };
}
