import type { Finding, RunResult, Severity } from '../types.js';
import { ARCH_NAME, uniqueFingerprints } from './common.js';
import { clip, jsonText, oneLine, TEXT_MAX } from './escape.js';
import type { Reporter } from './reporter.js';

/*
 * GitLab Code Quality (a subset of the Code Climate issue format): a JSON
 * array, published with `artifacts: reports: codequality:`. GitLab keeps one
 * issue per fingerprint, so fingerprints are unique per finding; they ignore
 * line numbers so an issue keeps its identity across rebases. GitLab has no
 * notion of a suppressed issue: suppressed findings are left out here (the
 * other formats show them).
 */

const SEVERITY: Record<Severity, 'info' | 'minor' | 'major' | 'critical' | 'blocker'> = { error: 'critical', warning: 'major', note: 'minor' };

export interface CodeQualityIssue {
  type: 'issue';
  check_name: string;
  description: string;
  categories: string[];
  severity: (typeof SEVERITY)[Severity];
  fingerprint: string;
  location: { path: string; lines: { begin: number } };
}

function description(f: Finding): string {
  const arch = f.arch ? `[${ARCH_NAME[f.arch]}] ` : '';
  const removed = f.side === 'old' ? ' (on a line the patch removes)' : '';
  const fix = f.fix ? ` Fix: ${f.fix}` : '';
  // Shown as plain text by GitLab: visible characters, one line, bounded.
  return clip(oneLine(`${f.ruleId} ${arch}${f.message}${removed}.${fix}`), 2 * TEXT_MAX);
}

export function codeQuality(run: RunResult): CodeQualityIssue[] {
  const fingerprints = uniqueFingerprints(run.findings);
  return run.findings.flatMap((f, i) =>
    f.suppressed
      ? []
      : [
          {
            type: 'issue' as const,
            check_name: `flushcheck/${f.ruleId}-${f.ruleName}`,
            description: description(f),
            categories: [f.ruleId === 'FC002' ? 'Performance' : 'Bug Risk'],
            severity: SEVERITY[f.severity],
            fingerprint: fingerprints[i]!,
            location: { path: f.file, lines: { begin: f.line } },
          },
        ],
  );
}

export const gitlab: Reporter = (run) => `${jsonText(JSON.stringify(codeQuality(run), null, 2))}\n`;
