import { describe, expect, it } from 'vitest';
import { hunkHoldsSite } from '../../src/parser/hunk-summary.js';
import type { Hunk, Side } from '../../src/types.js';

const hunk = (oldStart: number, oldLines: number, newStart: number, newLines: number): Hunk => ({ oldStart, oldLines, newStart, newLines, section: '', inputLine: 1, lines: [] });

/** The definition: some site of the file lies in the hunk's lines on its own side. */
const naive =
  (sites: { file: string; side: Side; line: number }[]) =>
  (path: string, h: Hunk): boolean =>
    sites.some((s) => s.file === path && (s.side === 'new' ? s.line >= h.newStart && s.line < h.newStart + h.newLines : s.line >= h.oldStart && s.line < h.oldStart + h.oldLines));

describe('hunkHoldsSite', () => {
  it('agrees with the per-site definition on every hunk, at both ends of each range and for empty ranges', () => {
    const sites = [
      { file: 'a.c', side: 'new' as const, line: 10 },
      { file: 'a.c', side: 'old' as const, line: 20 },
      { file: 'a.c', side: 'new' as const, line: 3 },
      { file: 'b.c', side: 'old' as const, line: 5 },
    ];
    const fast = hunkHoldsSite(sites);
    const slow = naive(sites);
    for (const path of ['a.c', 'b.c', 'c.c']) {
      for (let start = 0; start <= 22; start++) {
        for (const lines of [0, 1, 2, 7]) {
          for (const h of [hunk(start, lines, start, lines), hunk(start, lines, 1, 0), hunk(1, 0, start, lines)]) expect([path, h, fast(path, h)]).toEqual([path, h, slow(path, h)]);
        }
      }
    }
  });
});
