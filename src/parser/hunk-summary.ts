import type { FileDiff, Hunk, HunkLine, PatchFileSummary, Site } from '../types.js';

const MARK: Record<HunkLine['change'], string> = { added: '+', removed: '-', unchanged: ' ' };

/**
 * What the diff shows of each file, for reporters that anchor or quote lines.
 * Line text is kept only for hunks `quoted` says hold a site: a 40 MB series
 * would otherwise be carried whole into the result and its JSON.
 */
export function summarizeFiles(files: readonly FileDiff[], quoted: (path: string, hunk: Hunk) => boolean = () => true): PatchFileSummary[] {
  return files.map((file) => ({
    oldPath: file.oldPath,
    newPath: file.newPath,
    status: file.status,
    hunks: file.hunks.map((h) => ({
      oldStart: h.oldStart,
      oldLines: h.oldLines,
      newStart: h.newStart,
      newLines: h.newLines,
      section: h.section,
      lines: quoted(file.newPath ?? file.oldPath ?? '', h) ? h.lines.map((l) => `${MARK[l.change]}${l.text}`) : [],
    })),
  }));
}

/**
 * `summarizeFiles`'s `quoted` for a patch's sites: whether a site lies in the
 * hunk's lines on its side. Lines are sorted per file and side once, so a
 * patch of many hunks and many sites is not hunks × sites.
 */
export function hunkHoldsSite(sites: readonly Pick<Site, 'file' | 'side' | 'line'>[]): (path: string, hunk: Hunk) => boolean {
  const lines = new Map<string, { old: number[]; new: number[] }>();
  for (const s of sites) {
    let file = lines.get(s.file);
    if (!file) {
      file = { old: [], new: [] };
      lines.set(s.file, file);
    }
    file[s.side === 'new' ? 'new' : 'old'].push(s.line);
  }
  for (const file of lines.values()) {
    file.old.sort((a, b) => a - b);
    file.new.sort((a, b) => a - b);
  }
  return (path, hunk) => {
    const file = lines.get(path);
    if (!file) return false;
    return anyIn(file.new, hunk.newStart, hunk.newStart + hunk.newLines) || anyIn(file.old, hunk.oldStart, hunk.oldStart + hunk.oldLines);
  };
}

/** Whether sorted `xs` holds a value in [from, to). */
function anyIn(xs: readonly number[], from: number, to: number): boolean {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! < from) lo = mid + 1;
    else hi = mid;
  }
  return lo < xs.length && xs[lo]! < to;
}
