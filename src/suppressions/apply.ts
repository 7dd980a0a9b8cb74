import type { Finding, Suppression } from '../types.js';

/** True when a suppression covers a finding: same file and side, its own lines or the line after. */
export function covers(s: Suppression, f: Finding): boolean {
  return s.patch === f.patch && s.file === f.file && s.side === f.side && f.line >= s.line && f.line <= s.endLine + 1 && s.rules.includes(f.ruleId);
}

/**
 * Marks the findings an inline suppression covers. A suppression without a
 * reason suppresses nothing (the invalid-suppression rule reports it); a
 * suppressed finding stays in the list, marked, so every output can show it.
 */
export function applySuppressions(findings: readonly Finding[], suppressions: readonly Suppression[]): Finding[] {
  return findings.map((f) => {
    if (f.suppressed) return f;
    const by = suppressions.find((s) => s.reason !== undefined && covers(s, f));
    return by ? { ...f, suppressed: { reason: by.reason!, line: by.line } } : f;
  });
}
