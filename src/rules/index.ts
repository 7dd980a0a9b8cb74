import type { Finding, RunResult } from '../types.js';
import { fingerprint } from './fingerprint.js';
import { deferredFlushOnEveryPath } from './deferred-flush-on-every-path.js';
import type { Rule } from './rule.js';

/** Every rule, sorted by id. A new rule is one file plus a line here. */
export const RULES: readonly Rule[] = [deferredFlushOnEveryPath];

export function renderMessage(template: string, data: Record<string, string>): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, key: string) => data[key] ?? `{{${key}}}`);
}

/** Runs every rule over a run and returns its findings, sorted and with unique fingerprints. */
export function runRules(run: RunResult, rules: readonly Rule[] = RULES): Finding[] {
  const findings: Finding[] = [];
  for (const rule of rules) {
    for (const report of rule.check(run)) {
      const { site } = report;
      findings.push({
        ruleId: rule.meta.id,
        ruleName: rule.meta.name,
        messageId: report.messageId,
        data: report.data,
        message: renderMessage(rule.meta.messages[report.messageId] ?? report.messageId, report.data),
        severity: rule.meta.severity,
        patch: site.patch,
        file: site.file,
        line: site.line,
        side: site.side,
        function: site.function,
        siteId: site.id,
        ...(report.arch ? { arch: report.arch } : {}),
        related: report.related ?? [],
        ...(report.trace ? { trace: report.trace } : {}),
        ...(report.fix ? { fix: report.fix } : {}),
        fingerprint: fingerprint(rule.meta.id, site, report.arch),
      });
    }
  }
  return sortFindings(findings);
}

export function sortFindings(findings: Finding[]): Finding[] {
  const key = (f: Finding): string => [f.file, String(f.line).padStart(9, '0'), f.ruleId, f.arch ?? '', f.siteId ?? ''].join('\u0000');
  return findings.sort((a, b) => a.patch - b.patch || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
