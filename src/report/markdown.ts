import type { Arch, Finding, RunResult, Site } from '../types.js';
import { SEVERITY_RANK } from '../types.js';
import { ARCH_NAME, SEVERITY_MARK, VERDICT_MARK, archResult, archesOf, plural, ruleById, severityCounts, siteOf, treeMismatchSummary, whereText } from './common.js';
import { htmlText, mdCode, mdCodeBlock, mdText } from './escape.js';
import { renderMermaid } from '../sim/render.js';
import type { Reporter } from './reporter.js';

/** The hidden line a CI job looks for to update its earlier comment instead of adding one. */
export const MARKDOWN_MARKER = '<!-- flushcheck:review -->';

/**
 * GitHub refuses comment bodies over 65,536 characters (GitLab notes: 1,000,000);
 * a report stays under this, with room to spare.
 */
export const BODY_LIMIT = 60_000;

/** Rows beyond this are counted, so a huge series still fits in one comment. */
const TABLE_ROWS = 150;
/** What the summary table, the lists of patches, input errors and suppressed findings may take of the body. */
const TABLE_BUDGET = 16_000;
const LIST_BUDGET = 6_000;

/** Where the whole report is when a comment cannot hold it. */
export const FULL_REPORT_POINTER = 'the full report is the `flushcheck-report` artifact of this CI run (or run flushcheck locally)';

/** Errors first, then warnings, then notes; the run's order within each. */
export const bySeverity = (findings: readonly Finding[]): Finding[] =>
  findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => SEVERITY_RANK[b.f.severity] - SEVERITY_RANK[a.f.severity] || a.i - b.i)
    .map(({ f }) => f);

/** Lines in order while they fit in `budget` characters; the rest counted in one last line. */
export function fitLines(lines: readonly string[], budget: number, more: (n: number) => string): string[] {
  const { shown, left } = fitSections(lines, budget, 1);
  return left ? [...shown, more(left)] : shown;
}

const changeMark: Record<Site['change'], string> = { added: '+', removed: '−', unchanged: '', tree: '~' };

function verdictCell(site: Site, arch: Arch): string {
  const r = archResult(site, arch);
  if (!r) return '—';
  const mechanism = mdText(r.mechanism, { inTable: true });
  if (!r.verdict) return mechanism;
  // Removed code is only the "before" picture: no mark, nothing to act on.
  if (site.change === 'removed') return `before: ${mdText(r.verdict, { inTable: true })} (${mechanism})`;
  return `${VERDICT_MARK[r.verdict]} ${mdText(r.verdict, { inTable: true })} (${mechanism})`;
}

/** Site, function, class and one verdict column per architecture, for every flush call. */
export function summaryTable(run: RunResult, sites: readonly Site[]): string {
  const arches = archesOf(run);
  const head = ['Site', 'Function', 'Class', ...arches.map((a) => `${ARCH_NAME[a]} verdict`)];
  const rows = sites
    .slice(0, TABLE_ROWS)
    .map((s) => [
      `${changeMark[s.change]}${mdCode(`${s.file}:${s.line}`, { inTable: true })} ${mdCode(s.text, { inTable: true })}`,
      s.function ? mdCode(s.function, { inTable: true }) : '(file scope)',
      s.classes?.length ? s.classes.map((c) => mdText(c, { inTable: true })).join(', ') : '—',
      ...arches.map((a) => verdictCell(s, a)),
    ]);
  const { shown, left } = fitSections(
    rows.map((r) => `| ${r.join(' | ')} |`),
    TABLE_BUDGET,
    1,
  );
  const hidden = sites.length - shown.length;
  const more = hidden > 0 || left ? ['', `${plural(hidden, 'more flush call')} not shown.`] : [];
  return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...shown, ...more].join('\n');
}

/** Evidence steps shown; a longer chain is counted. */
const EVIDENCE_STEPS = 25;

function evidenceList(f: Finding): string {
  const more = f.related.length > EVIDENCE_STEPS ? `\n\n${plural(f.related.length - EVIDENCE_STEPS, 'more step')} not shown.` : '';
  return (
    f.related
      .slice(0, EVIDENCE_STEPS)
      .map((step, i) => `${i + 1}. ${mdCode(`${step.file}:${step.line}`)}${step.function ? ` in ${mdCode(step.function)}` : ''}: ${mdText(step.message)}`)
      .join('\n') + more
  );
}

function mechanismTable(run: RunResult, site: Site): string {
  const rows: string[] = [];
  const notes: string[] = [];
  for (const arch of archesOf(run)) {
    const r = archResult(site, arch);
    if (!r) continue;
    const verdict = r.verdict ? `${VERDICT_MARK[r.verdict]} ${mdText(r.verdict, { inTable: true })}` : '—';
    rows.push(`| ${ARCH_NAME[arch]} | ${mdText(r.mechanism, { inTable: true })} | ${verdict} | ${mdCode(r.source, { inTable: true })} |`);
    if (r.condition) notes.push(`- ${ARCH_NAME[arch]}: forced only when ${mdCode(r.condition)}`);
    if (r.expansion?.length)
      notes.push(
        `- ${ARCH_NAME[arch]}: ${r.expansion
          .slice(0, 12)
          .map((e) => mdCode(e))
          .join(' → ')}`,
      );
    for (const note of (r.notes ?? []).slice(0, 12)) notes.push(`- ${ARCH_NAME[arch]}: ${mdText(note)}`);
  }
  if (rows.length === 0) return '';
  return ['| Architecture | Mechanism | Verdict | Defined at |', '| --- | --- | --- | --- |', ...rows, ...(notes.length ? ['', ...notes] : [])].join('\n');
}

function counterexample(f: Finding, site: Site | undefined): string {
  if (!f.trace?.length) return '';
  const sim = f.arch ? archResult(site, f.arch)?.sim : undefined;
  const facts = sim
    ? [sim.property ? `property ${mdText(sim.property)}` : '', mdText(sim.scenario), plural(sim.cpus, 'CPU'), `${sim.states} states`, sim.failsWhen ? `fails when ${mdCode(sim.failsWhen)}` : '']
        .filter(Boolean)
        .join(', ')
    : '';
  // The simulator's own renderer; a finding without its site's result still has its trace.
  const diagram = renderMermaid(sim ?? { safe: false, states: 0, transitions: 0, trace: f.trace, scenario: '', cpus: Math.max(...f.trace.map((s) => s.cpu)) + 1 });
  return [`**Counterexample**${f.arch ? ` on ${ARCH_NAME[f.arch]}` : ''}${facts ? ` (${facts})` : ''}:`, '', mdCodeBlock(diagram.trimEnd(), 'mermaid')].join('\n');
}

/** A finding's headline: severity, rule, architecture, place (HTML-escaped: it goes in a `<summary>`). */
export function findingSummary(f: Finding): string {
  const where = `${whereText(f)}${f.function ? ` in ${f.function}` : ''}`;
  return `${SEVERITY_MARK[f.severity]} <b>${htmlText(f.ruleId)}</b> ${htmlText(f.ruleName)}${f.arch ? ` · ${ARCH_NAME[f.arch]}` : ''} · ${htmlText(where)}`;
}

/** The body of a finding beyond its message, as Markdown blocks: evidence, mechanisms, counterexample. */
export function findingEvidence(run: RunResult, f: Finding): string[] {
  const site = siteOf(run, f);
  const parts: string[] = [];
  if (f.related.length) parts.push('**Evidence**', '', evidenceList(f), '');
  const mechanism = site ? mechanismTable(run, site) : '';
  if (mechanism) parts.push('**Flush mechanism**', '', mechanism, '');
  const trace = counterexample(f, site);
  if (trace) parts.push(trace, '');
  return parts;
}

/** Words for Arm (and other non-x86) reviewers, from the rule's docs (ours, written in Markdown). */
export function armWords(f: Finding): string {
  const rule = ruleById(f.ruleId);
  return rule ? `**For Arm and other non-x86 reviewers:** ${rule.meta.docs.arm}` : '';
}

/** One finding as a collapsible section: evidence, mechanism per arch, counterexample, fix, words for Arm. */
export function findingSection(run: RunResult, f: Finding): string {
  const parts: string[] = ['<details>', `<summary>${findingSummary(f)}</summary>`, '', mdText(f.message), ''];
  if (f.suppressed) parts.push(`Suppressed at line ${f.suppressed.line}: ${mdText(f.suppressed.reason)}`, '');
  parts.push(...findingEvidence(run, f));
  if (f.fix) parts.push(`**Suggested fix:** ${mdText(f.fix)}`, '');
  const arm = armWords(f);
  if (arm) parts.push(arm, '');
  parts.push('</details>');
  return parts.join('\n');
}

function patchLines(run: RunResult): string[] {
  return run.patches.map((p) => {
    const subject = p.subject ? mdText(p.subject) : '(no subject)';
    const author = p.author ? ` — ${mdText(p.author)}` : '';
    return `- Patch ${p.index + 1}/${run.patches.length}: ${subject}${author}`;
  });
}

/**
 * Sections in order until the body would pass the limit; the rest are counted,
 * not lost silently. Order is kept: one that does not fit ends the list, so a
 * later (less severe) one never takes the place of an earlier one.
 */
export function fitSections(sections: readonly string[], budget: number, separator = 2): { shown: string[]; left: number } {
  const shown: string[] = [];
  let used = 0;
  for (const section of sections) {
    if (used + section.length + separator > budget) break;
    shown.push(section);
    used += section.length + separator;
  }
  return { shown, left: sections.length - shown.length };
}

/** A warning under the summary when `--tree` is not the patches' base (the names are escaped like any patch text). */
function treeNoteLines(run: RunResult): string[] {
  const note = treeMismatchSummary(run.settings, mdCode);
  return note ? ['', `⚠️ ${note}`] : [];
}

/** The head of a report: marker, title, counts, patches, input errors. */
export function reportHead(run: RunResult): string[] {
  const active = run.findings.filter((f) => !f.suppressed);
  const calls = run.sites.filter((s) => s.kind === 'call');
  const counts = active.length ? `**${plural(active.length, 'finding')}** (${severityCounts(active)})` : '**No findings**';
  const out = [
    MARKDOWN_MARKER,
    '### flushcheck review',
    '',
    `${counts} · ${plural(calls.length, 'flush call')} in ${plural(run.patches.length, 'patch', 'patches')} · ${archesOf(run)
      .map((a) => ARCH_NAME[a])
      .join(', ')}`,
    ...(run.settings.model ? ['', mdText(run.settings.model.summary)] : []),
    ...treeNoteLines(run),
    '',
    ...fitLines(patchLines(run), LIST_BUDGET, (n) => `- ${plural(n, 'more patch', 'more patches')}`),
  ];
  if (run.errors.length) {
    const errors = run.errors.map((e) => `- ${mdCode(e.file)}: ${mdText(e.message)}`);
    out.push('', `**${plural(run.errors.length, 'input error')}:**`, '', ...fitLines(errors, LIST_BUDGET, (n) => `- ${plural(n, 'more input error')}`));
  }
  return out;
}

export function suppressedList(run: RunResult): string[] {
  const suppressed = run.findings.filter((f) => f.suppressed);
  if (!suppressed.length) return [];
  return [
    '',
    `**Suppressed (${suppressed.length})**`,
    '',
    ...fitLines(
      suppressed.map((f) => `- ${mdText(f.ruleId)} ${mdText(f.ruleName)} at ${mdCode(whereText(f))}: ${mdText(f.suppressed!.reason)}`),
      LIST_BUDGET,
      (n) => `- ${plural(n, 'more')}: ${FULL_REPORT_POINTER}`,
    ),
  ];
}

/** `3 more findings (1 error, 2 warnings) did not fit in one comment: …` */
export function notShown(findings: readonly Finding[]): string {
  return `${plural(findings.length, 'more finding')} (${severityCounts(findings)}) did not fit in one comment: ${FULL_REPORT_POINTER}.`;
}

/** One pull/merge-request comment: summary table, then one collapsible section per finding, errors first. */
export const markdown: Reporter = (run) => {
  const out = reportHead(run);
  const calls = run.sites.filter((s) => s.kind === 'call');
  if (calls.length) out.push('', summaryTable(run, calls));
  const active = bySeverity(run.findings.filter((f) => !f.suppressed));
  const head = out.join('\n');
  const tail = suppressedList(run).join('\n');
  const { shown, left } = fitSections(
    active.map((f) => findingSection(run, f)),
    BODY_LIMIT - head.length - tail.length - 400,
  );
  const parts = [head];
  if (shown.length) parts.push('', shown.join('\n\n'));
  if (left) parts.push('', notShown(active.slice(shown.length)));
  if (tail) parts.push(tail);
  return `${parts.join('\n')}\n`;
};
