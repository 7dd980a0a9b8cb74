import type { Finding, RuleSetting, RunResult } from '../types.js';
import { applySuppressions } from '../suppressions/apply.js';
import { changedFlushGuard } from './changed-flush-guard.js';
import { deferredFlushOnEveryPath } from './deferred-flush-on-every-path.js';
import { deferredFlushOutlivesPage } from './deferred-flush-outlives-page.js';
import { fingerprint, fingerprintOf } from './fingerprint.js';
import { flushWeakened } from './flush-weakened.js';
import { freeBeforeFlush } from './free-before-flush.js';
import { invalidSuppression } from './invalid-suppression.js';
import { ipiFlushIrqsOff } from './ipi-flush-irqs-off.js';
import { missingForcedIpi } from './missing-forced-ipi.js';
import { narrowFlushScope } from './narrow-flush-scope.js';
import type { Rule, RuleReport } from './rule.js';
import { simulationInconclusive } from './simulation-inconclusive.js';
import { unnecessaryForcedIpi } from './unnecessary-forced-ipi.js';

/** Every rule, sorted by id. A new rule is one file plus a line here. */
export const RULES: readonly Rule[] = [
  missingForcedIpi,
  unnecessaryForcedIpi,
  deferredFlushOnEveryPath,
  simulationInconclusive,
  invalidSuppression,
  changedFlushGuard,
  narrowFlushScope,
  ipiFlushIrqsOff,
  freeBeforeFlush,
  flushWeakened,
  deferredFlushOutlivesPage,
] as Rule[];

/**
 * The rule a user names, by id (`FC001`) or slug (`missing-forced-ipi`), in
 * any case: inline comments, fixture annotations and the configuration file
 * all read rule names this way, and store the id.
 */
export function findRule(name: string): Rule | undefined {
  const wanted = name.toLowerCase();
  return RULES.find((r) => r.meta.id.toLowerCase() === wanted || r.meta.name === wanted);
}

export function renderMessage(template: string, data: Record<string, string>): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, key: string) => data[key] ?? `{{${key}}}`);
}

function toFinding(rule: Rule, report: RuleReport<string>): Finding {
  const where = report.site ?? report.at;
  return {
    ruleId: rule.meta.id,
    ruleName: rule.meta.name,
    messageId: report.messageId,
    data: report.data,
    message: renderMessage(rule.meta.messages[report.messageId] ?? report.messageId, report.data),
    severity: report.severity ?? rule.meta.severity,
    patch: where.patch,
    file: where.file,
    line: where.line,
    side: where.side,
    function: where.function,
    ...(report.site ? { siteId: report.site.id } : {}),
    ...(report.arch ? { arch: report.arch } : {}),
    related: report.related ?? [],
    ...(report.trace ? { trace: report.trace } : {}),
    ...(report.fix ? { fix: report.fix } : {}),
    fingerprint: report.site ? fingerprint(rule.meta.id, report.site, report.arch) : fingerprintOf([rule.meta.id, ...report.identity]),
  };
}

/** Severity overrides from the configuration; `off` drops the rule's findings. */
function overrideSeverities(findings: Finding[], settings: Readonly<Record<string, RuleSetting>>): Finding[] {
  return findings.flatMap((f) => {
    const setting = settings[f.ruleId];
    if (setting === undefined) return [f];
    return setting === 'off' ? [] : [{ ...f, severity: setting }];
  });
}

/**
 * Runs every rule over a run and returns its findings, sorted: first the rules
 * about sites, with severity overrides (`run.settings.rules`) and inline
 * suppressions (`run.suppressions`) applied, then the rules that judge those
 * findings (unused suppressions).
 */
export function runRules(run: RunResult, rules: readonly Rule[] = RULES): Finding[] {
  const settings = run.settings.rules ?? {};
  const findingsOf = (r: RunResult, subset: readonly Rule[]): Finding[] => subset.flatMap((rule) => rule.check(r).map((report) => toFinding(rule, report)));
  const first = applySuppressions(
    overrideSeverities(
      findingsOf(
        run,
        rules.filter((r) => !r.afterSuppressions),
      ),
      settings,
    ),
    run.suppressions ?? [],
  );
  const second = overrideSeverities(
    findingsOf(
      { ...run, findings: first },
      rules.filter((r) => r.afterSuppressions),
    ),
    settings,
  );
  return sortFindings([...first, ...second]);
}

export function sortFindings(findings: Finding[]): Finding[] {
  const key = (f: Finding): string => [f.file, String(f.line).padStart(9, '0'), f.ruleId, f.arch ?? '', f.siteId ?? ''].join('\u0000');
  return findings.sort((a, b) => a.patch - b.patch || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
