import type { Finding, RunResult, Side } from '../types.js';
import { fileOf, hunkShowing, plural, severityCounts, whereText, SEVERITY_MARK, ARCH_NAME } from './common.js';
import { jsonText, mdCode, mdText } from './escape.js';
import { armWords, BODY_LIMIT, bySeverity, findingEvidence, findingSection, fitSections, notShown, reportHead, suppressedList, summaryTable } from './markdown.js';
import type { Reporter } from './reporter.js';
import { appendAll } from '../util/append.js';

/*
 * The JSON body of GitHub's "create a review for a pull request" call
 * (POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews). A comment may sit
 * only on a line the pull request's diff shows: one outside it makes GitHub
 * reject the whole review, so every comment is checked against the hunks and
 * whatever cannot be placed goes into the review body.
 */

export type DiffSide = 'LEFT' | 'RIGHT';

export interface ReviewComment {
  path: string;
  line: number;
  side: DiffSide;
  start_line?: number;
  start_side?: DiffSide;
  body: string;
}

export interface ReviewPayload {
  body: string;
  event: 'COMMENT';
  comments: ReviewComment[];
}

/** Marks the review body (the sticky Markdown comment has its own marker). */
export const REVIEW_MARKER = '<!-- flushcheck:github-review -->';

/** Marks each inline comment, so a job can skip findings it already commented on. */
export const findingMarker = (fingerprint: string): string => `<!-- flushcheck:finding ${fingerprint.replace(/[^0-9a-f-]/g, '')} -->`;

const SIDE: Record<Side, DiffSide> = { new: 'RIGHT', old: 'LEFT' };

/**
 * Inline comments in one review: the most severe findings get them, the rest
 * go into the body (which says how many did not fit). Each comment body, like
 * the review body, stays under BODY_LIMIT.
 */
export const MAX_COMMENTS = 50;

interface Anchor {
  path: string;
  line: number;
  side: DiffSide;
}

/** Where GitHub can show a finding: its line, if its patch's diff shows that line on that side. */
export function anchorOf(run: RunResult, f: Finding): Anchor | undefined {
  const meta = run.patches.find((p) => p.index === f.patch);
  const file = fileOf(meta, f.file, f.side);
  if (!file || !hunkShowing(file, f.line, f.side)) return undefined;
  // GitHub names a file by its path in the pull request's head, also for LEFT lines.
  const path = file.newPath ?? file.oldPath;
  return path ? { path, line: f.line, side: SIDE[f.side] } : undefined;
}

interface ShownRange {
  /** Which hunk: a range may not leave it. */
  hunk: string;
  first: number;
  last: number;
}

/** The lines each hunk shows on one side of a path, over every patch of the run. */
function shownRanges(run: RunResult, path: string, side: DiffSide): ShownRange[] {
  const ranges: ShownRange[] = [];
  for (const meta of run.patches) {
    (meta.files ?? []).forEach((file, fi) => {
      if ((file.newPath ?? file.oldPath) !== path) return;
      file.hunks.forEach((h, hi) => {
        const [start, count] = side === 'RIGHT' ? [h.newStart, h.newLines] : [h.oldStart, h.oldLines];
        if (count > 0) ranges.push({ hunk: `${meta.index}:${fi}:${hi}`, first: start, last: start + count - 1 });
      });
    });
  }
  return ranges;
}

const rangeWith = (ranges: readonly ShownRange[], line: number): ShownRange | undefined => ranges.find((r) => line >= r.first && line <= r.last);

/**
 * The comments GitHub would reject: a line (or a range's first line) the diff
 * does not show on that side, or a range that is reversed or leaves its hunk.
 * Empty when the payload is safe to send.
 */
export function commentsOutsideDiff(payload: ReviewPayload, run: RunResult): ReviewComment[] {
  return payload.comments.filter((c) => {
    const end = Number.isInteger(c.line) ? rangeWith(shownRanges(run, c.path, c.side), c.line) : undefined;
    if (!end) return true;
    if (c.start_line === undefined) return c.start_side !== undefined;
    const startSide = c.start_side ?? c.side;
    const start = Number.isInteger(c.start_line) ? rangeWith(shownRanges(run, c.path, startSide), c.start_line) : undefined;
    if (!start || start.hunk !== end.hunk) return true;
    return startSide === c.side && c.start_line >= c.line;
  });
}

function commentBody(run: RunResult, findings: readonly Finding[]): string {
  const sections = bySeverity(findings).map((f) => {
    const parts = [`${SEVERITY_MARK[f.severity]} **${mdText(f.ruleId)} ${mdText(f.ruleName)}**${f.arch ? ` (${ARCH_NAME[f.arch]})` : ''}: ${mdText(f.message)}`, ''];
    if (f.fix) parts.push(`**Suggested fix:** ${mdText(f.fix)}`, '');
    const details = [...findingEvidence(run, f), armWords(f)].filter((p, i, all) => p !== '' || (i > 0 && all[i - 1] !== ''));
    if (details.some((d) => d.trim())) parts.push('<details>', '<summary>Evidence, mechanism and counterexample</summary>', '', ...details, '', '</details>', '');
    parts.push(findingMarker(f.fingerprint));
    return parts.join('\n');
  });
  const { shown, left } = fitSections(sections, BODY_LIMIT - 400, 7);
  const body = shown.join('\n\n---\n\n');
  // Unposted findings keep no marker here, so a later run still sees them as new.
  return left ? `${body}\n\n${notShown(bySeverity(findings).slice(shown.length))}` : body;
}

export function reviewPayload(run: RunResult): ReviewPayload {
  const active = bySeverity(run.findings.filter((f) => !f.suppressed));
  const byAnchor = new Map<string, { anchor: Anchor; findings: Finding[] }>();
  const unplaced: Finding[] = [];
  const overflow: Finding[] = [];
  for (const f of active) {
    const anchor = anchorOf(run, f);
    if (!anchor) {
      unplaced.push(f);
      continue;
    }
    const key = anchorKey(anchor);
    if (!byAnchor.has(key) && byAnchor.size >= MAX_COMMENTS) {
      overflow.push(f);
      continue;
    }
    const entry = byAnchor.get(key) ?? { anchor, findings: [] };
    entry.findings.push(f);
    byAnchor.set(key, entry);
  }
  let comments: ReviewComment[] = [...byAnchor.keys()].sort().map((key) => {
    const { anchor, findings } = byAnchor.get(key)!;
    return { path: anchor.path, line: anchor.line, side: anchor.side, body: commentBody(run, findings) };
  });
  // The last guard before printing: anything GitHub would reject moves to the body.
  const rejected = new Set(commentsOutsideDiff({ body: '', event: 'COMMENT', comments }, run));
  if (rejected.size) {
    for (const c of rejected) for (const { anchor, findings } of byAnchor.values()) if (anchor.path === c.path && anchor.line === c.line && anchor.side === c.side) appendAll(unplaced, findings);
    comments = comments.filter((c) => !rejected.has(c));
  }
  return { body: reviewBody(run, comments.length, unplaced, overflow), event: 'COMMENT', comments };
}

const anchorKey = (anchor: Anchor): string => `${anchor.path}\u0000${anchor.side}\u0000${String(anchor.line).padStart(9, '0')}`;

/** Locations listed in the body's intro; more are counted. */
const LISTED = 20;

function reviewBody(run: RunResult, inline: number, unplaced: readonly Finding[], overflow: readonly Finding[]): string {
  const head = [REVIEW_MARKER, ...reportHead(run).slice(1)];
  const calls = run.sites.filter((s) => s.kind === 'call');
  if (calls.length) head.push('', summaryTable(run, calls));
  if (inline) head.push('', `${plural(inline, 'comment')} on the diff below.`);
  const tail = suppressedList(run).join('\n');
  // Errors first; within a severity, in patch, file and line order.
  const ordered = bySeverity([...unplaced, ...overflow].sort((a, b) => a.patch - b.patch || (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line)));
  const sections = ordered.map((f) => findingSection(run, f));
  const intro: string[] = [];
  if (unplaced.length) {
    const listed = unplaced.slice(0, LISTED).map((f) => mdCode(whereText(f)));
    if (unplaced.length > LISTED) listed.push(`and ${unplaced.length - LISTED} more`);
    intro.push('', `**${plural(unplaced.length, 'finding')} on lines the diff does not show:** ${listed.join(', ')}`);
  }
  if (overflow.length) intro.push('', `**${plural(overflow.length, 'finding')} (${severityCounts(overflow)}) past the ${MAX_COMMENTS} comments of one review**, shown here.`);
  const headText = [...head, ...intro].join('\n');
  const { shown, left } = fitSections(sections, BODY_LIMIT - headText.length - tail.length - 400);
  const parts = [headText];
  if (shown.length) parts.push('', shown.join('\n\n'));
  if (left) parts.push('', notShown(ordered.slice(shown.length)));
  if (tail) parts.push(tail);
  return parts.join('\n');
}

/** Pretty-printed so a reviewer can read the payload in a CI log. */
export const github: Reporter = (run) => `${jsonText(JSON.stringify(reviewPayload(run), null, 2))}\n`;
