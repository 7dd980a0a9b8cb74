import type { RunResult } from '../types.js';

/**
 * Keeps only the inline suppressions the base branch already had: comments on
 * unchanged or removed lines. A comment the change under review adds (on an
 * added line) suppresses nothing, so a pull request cannot silence its own
 * findings; CI runs with `--suppressions base`. The finding is shown as an
 * ordinary one again.
 */
export function baseSuppressionsOnly(run: RunResult): RunResult {
  const added = (run.suppressions ?? []).filter((s) => s.change === 'added');
  if (added.length === 0) return run;
  const findings = run.findings.map((f) => {
    if (!f.suppressed) return f;
    const by = added.find((s) => s.patch === f.patch && s.file === f.file && s.side === f.side && s.line === f.suppressed!.line);
    if (!by) return f;
    const { suppressed: _dropped, ...active } = f;
    return active;
  });
  return { ...run, findings };
}
