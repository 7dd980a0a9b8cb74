import type { FileDiff, Hunk, HunkLine, PatchFileSummary } from '../types.js';

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
