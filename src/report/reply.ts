import type { Finding, HunkSummary, PatchFileSummary, PatchMeta, RunResult } from '../types.js';
import { ARCH_NAME, archResult, numberedLines, plural, ruleById, siteOf, whereText, type NumberedLine } from './common.js';
import { mailLine, mailQuote, mapStrings, oneLine } from './escape.js';
import type { Reporter } from './reporter.js';
import { appendAll } from '../util/append.js';

/*
 * A plain-text reply for the mailing list, the way Xen review happens: the
 * hunk lines that matter quoted with "> ", each finding written under the
 * line it concerns, "[...]" where quoted text was trimmed. Prose wraps at 72
 * columns; quoted lines stay as the patch wrote them.
 */

const WIDTH = 72;
/** Lines of context quoted above a finding's line. */
const CONTEXT = 3;

/**
 * A line that may start with patch text stays at the margin only if it starts
 * with a letter or digit and does not have a trailer's shape (`Reviewed-by:`,
 * `Acked-by :`): otherwise it is indented, so no line of the patch reads as the
 * reply's own trailer, quote, diff or signature.
 */
export function atMargin(line: string): string {
  return /^[\p{L}\p{N}]/u.test(line) && !/^[\p{L}\p{N}_-]+\s*:/u.test(line) ? line : `  ${line}`;
}

/** Word-wraps one paragraph; `hang` indents the lines after the first (two spaces at least: they may start with patch text). */
export function wrap(text: string, width = WIDTH, first = '', hang = first.length >= 2 ? first.replace(/\S/g, ' ') : '  '): string[] {
  const words = oneLine(text).split(' ').filter(Boolean);
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const word of words) {
    if (!empty && line.length + 1 + word.length > width) {
      lines.push(line);
      line = hang + word;
    } else {
      line = empty ? line + word : `${line} ${word}`;
    }
    empty = false;
  }
  if (!empty) lines.push(line);
  return lines;
}

function findingText(run: RunResult, f: Finding): string[] {
  const arch = f.arch ? `${ARCH_NAME[f.arch]}, ` : '';
  const out = [...wrap(`${f.ruleId} ${f.ruleName} (${arch}${f.severity}): ${f.message}.`)];
  if (f.related.length) {
    out.push('', 'Evidence:');
    for (const [i, step] of f.related.entries()) appendAll(out, wrap(`${step.file}:${step.line}${step.function ? ` (${step.function})` : ''}: ${step.message}`, WIDTH, `  ${i + 1}. `, '     '));
  }
  const site = siteOf(run, f);
  const mechanisms = run.settings.arches.flatMap((a) => {
    const r = archResult(site, a);
    return r ? [`${ARCH_NAME[a]}: ${r.mechanism}${r.verdict ? `, ${r.verdict}` : ''} (from ${r.source})`] : [];
  });
  if (mechanisms.length) {
    out.push('', 'Flush mechanism:');
    for (const m of mechanisms) appendAll(out, wrap(m, WIDTH, '  ', '    '));
  }
  if (f.trace?.length) {
    const sim = f.arch ? archResult(site, f.arch)?.sim : undefined;
    out.push('', `Counterexample${sim?.property ? ` (${sim.property}, ${plural(sim.cpus, 'CPU')})` : ''}:`);
    for (const s of [...f.trace].sort((a, b) => a.step - b.step)) appendAll(out, wrap(`CPU ${s.cpu} ${s.actor}: ${s.action}${s.effect ? ` -- ${s.effect}` : ''}`, WIDTH, `  ${s.step}. `, '     '));
  }
  if (f.fix) appendAll(out, ['', ...wrap(`Fix: ${f.fix}`)]);
  const rule = ruleById(f.ruleId);
  if (rule) appendAll(out, ['', ...wrap(`For Arm reviewers: ${rule.meta.docs.arm}`)]);
  return out;
}

/** Every line quoted, whatever break the text carries; trailing blanks dropped (mail clients strip them anyway). */
const quote = (line: string): string[] => mailQuote(line);
const hunkHeader = (h: HunkSummary): string => `@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@${h.section ? ` ${h.section}` : ''}`;
const shows = (line: NumberedLine, f: Finding): boolean => (f.side === 'new' ? line.mark !== '-' && line.newLine === f.line : line.mark !== '+' && line.oldLine === f.line);

function patchReply(run: RunResult, meta: PatchMeta, findings: readonly Finding[]): string[] {
  const out: string[] = [];
  const author = meta.author ? oneLine(meta.author) : 'the patch author';
  const date = meta.date && !Number.isNaN(Date.parse(meta.date)) ? `On ${oneLine(meta.date)}, ` : '';
  out.push(atMargin(`${date}${author} wrote:`));
  if (meta.subject) out.push(...quote(meta.subject));
  const placed = new Set<Finding>();
  // Findings by the line they concern, so each quoted line looks up its own (not every finding).
  const order = new Map(findings.map((f, i) => [f, i]));
  const byLine = new Map<string, Finding[]>();
  for (const f of findings) {
    const key = `${f.side}\u0000${f.file}\u0000${f.line}`;
    const list = byLine.get(key);
    if (list) list.push(f);
    else byLine.set(key, [f]);
  }
  const atLineOf = (file: PatchFileSummary, line: NumberedLine): Finding[] => {
    const found = [
      ...(line.mark !== '-' ? (byLine.get(`new\u0000${file.newPath ?? file.oldPath}\u0000${line.newLine}`) ?? []) : []),
      ...(line.mark !== '+' ? (byLine.get(`old\u0000${file.oldPath ?? file.newPath}\u0000${line.oldLine}`) ?? []) : []),
    ];
    return found.filter((f) => fileMatches(file, f) && shows(line, f)).sort((a, b) => order.get(a)! - order.get(b)!);
  };
  let trimmed = false;
  const trim = (): void => {
    if (!trimmed) out.push('', '[...]', '');
    trimmed = true;
  };
  for (const file of meta.files ?? []) {
    let fileShown = false;
    for (const hunk of file.hunks) {
      const lines = numberedLines(hunk);
      const here = lines.map((line) => atLineOf(file, line).filter((f) => !placed.has(f)));
      let quotedTo = -1;
      let hunkShown = false;
      here.forEach((atLine, i) => {
        if (atLine.length === 0) return;
        const from = Math.max(quotedTo + 1, i - CONTEXT);
        if (!hunkShown) {
          trim();
          if (!fileShown) out.push(...quote(`diff --git a/${file.oldPath ?? file.newPath} b/${file.newPath ?? file.oldPath}`));
          out.push(...quote(hunkHeader(hunk)));
          if (from > 0) out.push('> [...]');
          fileShown = hunkShown = true;
        } else if (from > quotedTo + 1) {
          out.push('> [...]');
        }
        for (let j = from; j <= i; j++) out.push(...quote(`${lines[j]!.mark}${lines[j]!.text}`));
        quotedTo = i;
        trimmed = false;
        for (const f of atLine) {
          out.push('');
          appendAll(out, findingText(run, f));
          out.push('');
          placed.add(f);
        }
      });
    }
  }
  const elsewhere = findings.filter((f) => !placed.has(f));
  if (elsewhere.length) {
    trim();
    out.push('On lines the patch does not show:', '');
    for (const f of elsewhere) {
      appendAll(
        out,
        wrap(`${whereText(f)}${f.function ? ` in ${f.function}` : ''}:`).map((line, i) => (i === 0 ? atMargin(line) : line)),
      );
      appendAll(out, findingText(run, f));
      out.push('');
    }
  }
  if (findings.length === 0) {
    trim();
    const calls = run.sites.filter((s) => s.patch === meta.index && s.kind === 'call').length;
    out.push(`flushcheck found nothing to report in ${plural(calls, 'flush call')}.`, '');
  } else {
    trim();
  }
  return out;
}

function fileMatches(file: PatchFileSummary, f: Finding): boolean {
  return (f.side === 'old' ? (file.oldPath ?? file.newPath) : (file.newPath ?? file.oldPath)) === f.file;
}

/** Every string of the run enters as one visible line (no control, bidi or line-break character): quoting then holds line by line. */
export const reply: Reporter = (untrusted) => {
  const run = mapStrings(untrusted, mailLine);
  const out: string[] = [];
  for (const meta of run.patches) {
    const findings = run.findings.filter((f) => f.patch === meta.index && !f.suppressed);
    if (run.patches.length > 1) out.push(`=== Reply to patch ${meta.index + 1}/${run.patches.length} ===`, '');
    appendAll(out, patchReply(run, meta, findings));
    const suppressed = run.findings.filter((f) => f.patch === meta.index && f.suppressed);
    for (const f of suppressed) appendAll(out, wrap(`Suppressed in the patch: ${f.ruleId} at ${whereText(f)} (${f.suppressed!.reason})`));
    if (suppressed.length) out.push('');
  }
  for (const e of run.errors) appendAll(out, wrap(`flushcheck could not read ${e.file}: ${e.message}`));
  // One blank line between blocks, none at the end but the final newline.
  return `${out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .replace(/^\n+|\s+$/g, '')}\n`;
};
