import type { FileDiff, FileStatus, Hunk, ToolError } from '../types.js';

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

/** True when `lines[i]` opens a diff: `diff --git`, or `---`/`+++` followed by `@@`. */
export function opensDiff(lines: readonly string[], i: number): boolean {
  const line = lines[i] ?? '';
  if (DIFF_GIT.test(line)) return true;
  return OLD_FILE.test(line) && NEW_FILE.test(lines[i + 1] ?? '') && parseHunkHeader(lines[i + 2] ?? '') !== undefined;
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

interface HunkHeader {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  section: string;
}

/** Digits of a line number or count: more than any file has, never a float. */
const MAX_DIGITS = 15;

/**
 * `@@ -OLD[,N] +NEW[,M] @@[ section]`, read by hand: a count left out is 1
 * (`@@ -1 +1 @@`, as diff writes a one-line range).
 */
function parseHunkHeader(line: string): HunkHeader | undefined {
  if (!line.startsWith('@@ -')) return undefined;
  let at = 4;
  const number = (): number | undefined => {
    const from = at;
    while (at < line.length && at - from <= MAX_DIGITS && line.charCodeAt(at) >= 48 && line.charCodeAt(at) <= 57) at++;
    return at === from || at - from > MAX_DIGITS ? undefined : Number(line.slice(from, at));
  };
  const range = (): [number, number] | undefined => {
    const start = number();
    if (start === undefined) return undefined;
    if (line[at] !== ',') return [start, 1];
    at++;
    const count = number();
    return count === undefined ? undefined : [start, count];
  };
  const old = range();
  if (!old || !line.startsWith(' +', at)) return undefined;
  at += 2;
  const now = range();
  if (!now || !line.startsWith(' @@', at)) return undefined;
  at += 3;
  if (at < line.length && line[at] !== ' ') return undefined;
  return { oldStart: old[0], oldLines: old[1], newStart: now[0], newLines: now[1], section: line.slice(at + 1) };
}

const C_ESCAPES: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, '\\': 92 };

/**
 * A path git wrote in C quotes (`"a/tab\there"`, octal escapes for the bytes
 * of UTF-8) starting at `from`: the path and the index after the closing quote.
 */
function unquote(text: string, from: number): { path: string; end: number } | undefined {
  const bytes: number[] = [];
  let at = from + 1;
  while (at < text.length) {
    const c = text[at]!;
    if (c === '"') return { path: Buffer.from(bytes).toString('utf8'), end: at + 1 };
    if (c !== '\\') {
      const code = text.codePointAt(at)!;
      if (code < 0x80) bytes.push(code);
      else for (const b of Buffer.from(String.fromCodePoint(code), 'utf8')) bytes.push(b);
      at += code > 0xffff ? 2 : 1;
      continue;
    }
    const next = text[at + 1] ?? '';
    if (next >= '0' && next <= '7') {
      let value = 0;
      let n = 0;
      for (let d = text[at + 1]; n < 3 && d !== undefined && d >= '0' && d <= '7'; d = text[at + 1 + n]) {
        value = value * 8 + Number(d);
        n++;
      }
      bytes.push(value & 0xff);
      at += 1 + n;
      continue;
    }
    const escaped = C_ESCAPES[next];
    if (escaped === undefined) return undefined;
    bytes.push(escaped);
    at += 2;
  }
  return undefined;
}

/** git's `a/`, `b/` and mnemonic (`i/`, `w/`, `c/`, `o/`, `1/`, `2/`) prefixes. */
const stripGitPrefix = (path: string): string => (path.length > 2 && path[1] === '/' && 'abiwco12'.includes(path[0]!) ? path.slice(2) : path);

/** GNU diff's `2024-03-02 10:15:40.000000000 +0000` after a path not set off by a tab. */
const TRAILING_DATE = /\s\d{4}-\d\d-\d\d\s\d\d:\d\d:\d\d(?:\.\d+)?\s[+-]\d{4}$/;

/** The path of a `--- `/`+++ ` line: quoted or not, without diff's timestamp or git's prefix. */
function fileLinePath(line: string): string {
  let at = 4;
  while (line[at] === ' ') at++;
  if (line[at] === '"') {
    const quoted = unquote(line, at);
    if (quoted) return stripGitPrefix(quoted.path);
  }
  let path = line.slice(at);
  const tab = path.indexOf('\t');
  if (tab >= 0) path = path.slice(0, tab);
  const date = TRAILING_DATE.exec(path);
  if (date) path = path.slice(0, date.index);
  path = path.trimEnd();
  return path === '/dev/null' ? path : stripGitPrefix(path);
}

/** A path of an extended header (`rename from PATH`), quoted or not. */
const headerPath = (text: string): string => (text.startsWith('"') ? (unquote(text, 0)?.path ?? text) : text);

/**
 * The two paths of `diff --git A B`. Unquoted names may hold spaces; when the
 * file keeps its name (all but renames and copies, whose own lines name both
 * paths) the split is the middle space, as git itself reads it.
 */
function gitLinePaths(line: string): [string | undefined, string | undefined] {
  const rest = line.slice('diff --git '.length);
  let first: string;
  let secondFrom: number;
  if (rest.startsWith('"')) {
    const quoted = unquote(rest, 0);
    if (!quoted || rest[quoted.end] !== ' ') return [undefined, undefined];
    first = quoted.path;
    secondFrom = quoted.end + 1;
  } else {
    const middle = (rest.length - 1) / 2;
    if (Number.isInteger(middle) && rest[middle] === ' ' && stripGitPrefix(rest.slice(0, middle)) === stripGitPrefix(rest.slice(middle + 1))) {
      return [stripGitPrefix(rest.slice(0, middle)), stripGitPrefix(rest.slice(middle + 1))];
    }
    const quotedSecond = rest.endsWith('"') ? rest.lastIndexOf(' "') : -1;
    let split = quotedSecond >= 0 ? quotedSecond : rest.indexOf(' b/');
    if (split < 0) split = rest.indexOf(' ');
    if (split < 0) return [undefined, undefined];
    first = rest.slice(0, split);
    secondFrom = split + 1;
  }
  const second = rest[secondFrom] === '"' ? unquote(rest, secondFrom)?.path : rest.slice(secondFrom);
  return [stripGitPrefix(first), second === undefined ? undefined : stripGitPrefix(second)];
}

/** The two paths of GNU diff's `Binary files A and B differ`, when the line splits one way only. */
function binaryLinePaths(line: string): [string | undefined, string | undefined] {
  const inner = line.slice('Binary files '.length, -' differ'.length);
  const and = inner.indexOf(' and ');
  if (and < 0 || inner.indexOf(' and ', and + 1) >= 0) return [undefined, undefined];
  return [stripGitPrefix(inner.slice(0, and)), stripGitPrefix(inner.slice(and + 5))];
}

/** One file while its lines are read. */
interface OpenFile {
  /** Opened by `diff --git`: paths are exact, renames and copies are real. */
  git: boolean;
  /** From the `diff --git` line, then `---`/`+++`, which win. */
  from?: string;
  to?: string;
  /** `rename from`/`copy from` and `rename to`/`copy to`: exact paths, with no a/ b/ prefix to guess at. */
  movedFrom?: string;
  movedTo?: string;
  sawOldLine: boolean;
  status: FileStatus;
  created: boolean;
  deleted: boolean;
  modes: boolean;
  oldBlob?: string;
  notes: string[];
  hunks: Hunk[];
}

const NOTE = /^(?:old mode |new mode |similarity index |dissimilarity index |rename from |rename to |copy from |copy to |new file mode |deleted file mode )/;
const INDEX_LINE = /^index ([0-9a-zA-Z]+)\.\.[0-9a-zA-Z]+(?: [0-7]+)?$/;
const HEX_BLOB = /^[0-9a-f]{4,64}$/;

const pathOrNull = (path: string | undefined): string | null => (!path || path === '/dev/null' ? null : path);

function closeFile(file: OpenFile): FileDiff {
  const hunks = file.hunks;
  let status = file.status;
  if (file.created) status = 'added';
  else if (file.deleted) status = 'deleted';
  if (status === 'modified' && hunks.length === 0 && file.modes) status = 'mode-only';
  let oldPath = file.movedFrom ?? (file.created ? null : pathOrNull(file.from));
  let newPath = file.movedTo ?? (file.deleted ? null : pathOrNull(file.to));
  if (!file.git) {
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
  return { oldPath, newPath, status, hunks, notes: file.notes, ...(file.oldBlob ? { oldBlob: file.oldBlob } : {}) };
}

/**
 * Parses a diff region into files and hunks in one pass over its lines, by
 * git's rules: a file opens at `diff `, or at `---` (or an extended header)
 * when the open file already has hunks; a hunk takes exactly the lines its
 * header counts, so a hunk line that looks like a header is still a hunk
 * line; anything else between files is ignored. A hunk with fewer lines than
 * its header promises is an error at that header: the input was cut.
 */
export function parseDiffRegion(region: DiffRegion, source: string): { files: FileDiff[]; error?: ToolError } {
  const files: FileDiff[] = [];
  const lines = region.lines;
  let file: OpenFile | undefined;
  let hunk: Hunk | undefined;
  let oldLeft = 0;
  let newLeft = 0;
  let oldLine = 0;
  let newLine = 0;
  const fail = (at: number, code: string, message: string) => ({ files, error: { file: source, line: region.firstLine + at, code, message } });
  const hunkError = (h: Hunk, what: 'truncated' | 'malformed') =>
    fail(
      h.inputLine - region.firstLine,
      `${what}-hunk`,
      `${what} hunk in ${file?.movedTo ?? file?.to ?? file?.from ?? '?'}: header promises ${h.oldLines} old and ${h.newLines} new lines, found ${h.oldLines - oldLeft} and ${h.newLines - newLeft}`,
    );
  const open = (git: boolean): OpenFile => {
    if (file) files.push(closeFile(file));
    file = { git, sawOldLine: false, status: 'modified', created: false, deleted: false, modes: false, notes: [], hunks: [] };
    return file;
  };
  /** The file a header line belongs to: the open one until it has hunks. */
  const headerFile = (): OpenFile => (file && file.hunks.length === 0 ? file : open(false));

  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (hunk) {
      const mark = line[0];
      if (mark === '\\') continue; // "\ No newline at end of file" is about the line before.
      if (mark === '-') {
        if (oldLeft === 0) return hunkError(hunk, 'malformed');
        hunk.lines.push({ change: 'removed', oldLine: oldLine++, text: line.slice(1) });
        oldLeft--;
      } else if (mark === '+') {
        if (newLeft === 0) return hunkError(hunk, 'malformed');
        hunk.lines.push({ change: 'added', newLine: newLine++, text: line.slice(1) });
        newLeft--;
      } else {
        // A context line whose leading space a mailer stripped is still context.
        if (oldLeft === 0 || newLeft === 0) return hunkError(hunk, 'malformed');
        hunk.lines.push({ change: 'unchanged', oldLine: oldLine++, newLine: newLine++, text: line.slice(1) });
        oldLeft--;
        newLeft--;
      }
      if (oldLeft === 0 && newLeft === 0) hunk = undefined;
      continue;
    }
    const header = parseHunkHeader(line);
    if (header) {
      const owner = file ?? open(false);
      const opened: Hunk = {
        oldStart: header.oldStart,
        oldLines: header.oldLines,
        newStart: header.newStart,
        newLines: header.newLines,
        section: header.section,
        inputLine: region.firstLine + i,
        lines: [],
      };
      owner.hunks.push(opened);
      oldLeft = header.oldLines;
      newLeft = header.newLines;
      oldLine = header.oldStart;
      newLine = header.newStart;
      if (oldLeft !== 0 || newLeft !== 0) hunk = opened;
      continue;
    }
    if ((line.startsWith('diff ') || line.startsWith('--- ') || line.startsWith('+++ ')) && line.length > MAX_HEADER_LINE) {
      return fail(i, 'header-too-long', `diff header line is longer than ${MAX_HEADER_LINE} characters`);
    }
    if (line.startsWith('diff ')) {
      const git = line.startsWith('diff --git ');
      const opened = open(git);
      if (git) [opened.from, opened.to] = gitLinePaths(line);
    } else if (line.startsWith('--- ')) {
      const owner = file && file.hunks.length === 0 && !file.sawOldLine ? file : open(false);
      owner.sawOldLine = true;
      owner.from = fileLinePath(line);
    } else if (line.startsWith('+++ ')) {
      if (file && file.hunks.length === 0) file.to = fileLinePath(line);
    } else if (line === 'GIT binary patch' || (line.startsWith('Binary files ') && line.endsWith(' differ'))) {
      const fresh = !file || file.hunks.length > 0;
      const owner = headerFile();
      if (fresh && line !== 'GIT binary patch') [owner.from, owner.to] = binaryLinePaths(line);
      owner.status = 'binary';
      owner.notes.push(line);
    } else if (line.startsWith('index ')) {
      const index = INDEX_LINE.exec(line);
      if (!index) continue;
      const owner = headerFile();
      if (HEX_BLOB.test(index[1]!)) owner.oldBlob = index[1]!;
      if (line.indexOf(' ', 6) >= 0) owner.modes = true;
    } else if (NOTE.test(line)) {
      const owner = headerFile();
      owner.notes.push(line);
      if (line.startsWith('new file mode ')) owner.created = true;
      else if (line.startsWith('deleted file mode ')) owner.deleted = true;
      else if (line.startsWith('old mode ') || line.startsWith('new mode ')) owner.modes = true;
      else if (line.startsWith('rename ') || line.startsWith('copy ')) {
        const copy = line.startsWith('copy ');
        const rest = line.slice(copy ? 5 : 7);
        if (owner.status !== 'binary') owner.status = copy ? 'copied' : 'renamed';
        if (rest.startsWith('from ')) owner.movedFrom = headerPath(rest.slice(5));
        else owner.movedTo = headerPath(rest.slice(3));
      }
    }
  }
  if (hunk) return hunkError(hunk, 'truncated');
  if (file) files.push(closeFile(file));
  return { files };
}
