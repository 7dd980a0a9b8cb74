import type { Arch, ArchResult, Finding, HunkSummary, PatchFileSummary, PatchMeta, RunConfig, RunResult, Severity, Side, Site, TreeMismatch, Verdict } from '../types.js';
import { findRule } from '../rules/index.js';
import type { Rule } from '../rules/rule.js';

/** Helpers every reporter shares: what to call things, never what to decide. */

export const ARCH_NAME: Record<Arch, string> = { x86: 'x86', arm: 'Arm', riscv: 'RISC-V', ppc: 'PPC' };

export const VERDICT_MARK: Record<Verdict, string> = {
  ok: '✅',
  'missing-forced-ipi': '❌',
  'narrow-scope': '⚠️',
  'unnecessary-forced-ipi': 'ℹ️',
  'no-op': '➖',
  'not-applicable': '➖',
  inconclusive: '❔',
};

export const SEVERITY_MARK: Record<Severity, string> = { error: '❌', warning: '⚠️', note: 'ℹ️' };

export const ruleById = (id: string): Rule | undefined => findRule(id);

export const siteOf = (run: RunResult, finding: Finding): Site | undefined => (finding.siteId ? run.sites.find((s) => s.id === finding.siteId) : undefined);

/** Arches whose results a report shows: the run's, in the run's order. */
export const archesOf = (run: RunResult): Arch[] => run.settings.arches;

export const archResult = (site: Site | undefined, arch: Arch): ArchResult | undefined => site?.arch?.[arch];

export const plural = (n: number, word: string, many = `${word}s`): string => `${n} ${n === 1 ? word : many}`;

/** `2 errors, 1 warning` for the active (unsuppressed) findings. */
export function severityCounts(findings: readonly Finding[]): string {
  const active = findings.filter((f) => !f.suppressed);
  const parts = (['error', 'warning', 'note'] as const).map((s) => [s, active.filter((f) => f.severity === s).length] as const).filter(([, n]) => n > 0);
  return parts.map(([s, n]) => plural(n, s)).join(', ');
}

/** The diff's view of the file a finding is in, found by the path on its side. */
export function fileOf(meta: PatchMeta | undefined, file: string, side: Side): PatchFileSummary | undefined {
  return meta?.files?.find((f) => (side === 'old' ? (f.oldPath ?? f.newPath) : (f.newPath ?? f.oldPath)) === file);
}

/** The hunk that shows `line` on `side`, if any. */
export function hunkShowing(file: PatchFileSummary | undefined, line: number, side: Side): HunkSummary | undefined {
  return file?.hunks.find((h) => (side === 'new' ? h.newLines > 0 && line >= h.newStart && line < h.newStart + h.newLines : h.oldLines > 0 && line >= h.oldStart && line < h.oldStart + h.oldLines));
}

/** Each hunk line with its numbers on both sides. */
export interface NumberedLine {
  mark: '+' | '-' | ' ';
  text: string;
  oldLine?: number;
  newLine?: number;
}

export function numberedLines(hunk: HunkSummary): NumberedLine[] {
  let oldLine = hunk.oldStart;
  let newLine = hunk.newStart;
  return hunk.lines.map((raw) => {
    const mark = (raw[0] === '+' || raw[0] === '-' ? raw[0] : ' ') as NumberedLine['mark'];
    const text = raw.slice(1);
    if (mark === '+') return { mark, text, newLine: newLine++ };
    if (mark === '-') return { mark, text, oldLine: oldLine++ };
    return { mark, text, oldLine: oldLine++, newLine: newLine++ };
  });
}

/**
 * Fingerprints made unique per run: two findings with one identity (the same
 * call twice in one function) get an occurrence number, counted in line order,
 * so it still ignores unrelated line moves. GitLab collapses equal ones.
 */
export function uniqueFingerprints(findings: readonly Finding[]): string[] {
  const seen = new Map<string, number>();
  return findings.map((f) => {
    const n = seen.get(f.fingerprint) ?? 0;
    seen.set(f.fingerprint, n + 1);
    return n === 0 ? f.fingerprint : `${f.fingerprint}-${n + 1}`;
  });
}

/** Where a finding is, in words: `xen/common/memory.c:281` (old side marked). */
export const whereText = (f: Pick<Finding, 'file' | 'line' | 'side'>): string => `${f.file}:${f.line}${f.side === 'old' ? ' (removed line)' : ''}`;

const MISMATCH_WHY: Record<TreeMismatch['reason'], string> = {
  blob: 'another version of the file',
  context: 'other lines where the hunks apply',
  missing: 'no such file',
  exists: 'the file the patch adds',
};

/** What the tree holds instead of one preimage, in words: `xen/arch/x86/mm.c (line 120 differs)`. */
export function mismatchText(m: TreeMismatch): string {
  if (m.reason === 'blob') return `${m.file}: the tree's file is not blob ${m.expected ?? '?'} (git's index line)`;
  if (m.reason === 'context') return `${m.file}: line ${m.line ?? '?'} differs from the patch's context`;
  return `${m.file}: the tree has ${MISMATCH_WHY[m.reason]}`;
}

/**
 * One sentence for a report's head when `--tree` is not the patches' base,
 * undefined when it is (or when there was no tree). `name` escapes the tree
 * and file names for the format (they come from the command line and the patch).
 */
export function treeMismatchSummary(settings: RunConfig, name: (text: string) => string, shown = 3): string | undefined {
  if (settings.treeMatchesPreimage !== false) return undefined;
  const files = settings.treeMismatches ?? [];
  const named = files.slice(0, shown).map((m) => name(m.file));
  const more = files.length > shown ? ` and ${plural(files.length - shown, 'more')}` : '';
  return `The tree ${name(settings.tree ?? '--tree')} is not the base these patches were made against: ${plural(files.length, 'file')} differ${files.length === 1 ? 's' : ''} from their preimage: ${named.join(', ')}${more}. The verdicts describe the tree's code.`;
}
