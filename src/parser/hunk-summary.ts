import type { FileDiff, HunkLine, PatchFileSummary } from '../types.js';

const MARK: Record<HunkLine['change'], string> = { added: '+', removed: '-', unchanged: ' ' };

/** What the diff shows of each file, for reporters that anchor or quote lines. */
export function summarizeFiles(files: readonly FileDiff[]): PatchFileSummary[] {
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
      lines: h.lines.map((l) => `${MARK[l.change]}${l.text}`),
    })),
  }));
}
