import type { Finding, RunResult, Severity } from '../types.js';
import { SEVERITY_RANK } from '../types.js';
import { ARCH_NAME, siteOf } from './common.js';
import { clip, jsonText, mdText, oneLine, TEXT_MAX } from './escape.js';
import type { Reporter } from './reporter.js';

/*
 * Reviewdog Diagnostic Format, JSON form (`reviewdog -f=rdjson`): one
 * DiagnosticResult. reviewdog posts messages as pull-request comments, which
 * GitHub and GitLab render as Markdown, so patch text is escaped the Markdown
 * way. Suppressed findings are left out: reviewdog would post them.
 */

const SEVERITY: Record<Severity, 'ERROR' | 'WARNING' | 'INFO'> = { error: 'ERROR', warning: 'WARNING', note: 'INFO' };

function diagnostic(run: RunResult, f: Finding): object {
  const site = siteOf(run, f);
  const column = site && site.line === f.line && site.side === f.side ? { column: site.column } : {};
  const arch = f.arch ? ` (${ARCH_NAME[f.arch]})` : '';
  const fix = f.fix ? ` Fix: ${mdText(f.fix)}` : '';
  return {
    message: `${mdText(f.message)}${arch}.${fix}`,
    location: { path: f.file, range: { start: { line: f.line, ...column } } },
    severity: SEVERITY[f.severity],
    source: { name: 'flushcheck' },
    code: { value: `${f.ruleId} ${f.ruleName}` },
    ...(f.related.length ? { related_locations: f.related.map((step) => ({ message: mdText(step.message), location: { path: step.file, range: { start: { line: step.line } } } })) } : {}),
    original_output: clip(oneLine(`${f.file}:${f.line}: ${f.severity}: ${f.ruleId} ${f.message}`), 2 * TEXT_MAX),
  };
}

export const rdjson: Reporter = (run) => {
  const active = run.findings.filter((f) => !f.suppressed);
  const worst = active.reduce<Severity | undefined>((w, f) => (w === undefined || SEVERITY_RANK[f.severity] > SEVERITY_RANK[w] ? f.severity : w), undefined);
  const result = {
    source: { name: 'flushcheck' },
    ...(worst ? { severity: SEVERITY[worst] } : {}),
    diagnostics: active.map((f) => diagnostic(run, f)),
  };
  return `${jsonText(JSON.stringify(result, null, 2))}\n`;
};
