import type { Finding, PatchMeta, RunResult, Site } from '../types.js';
import type { Reporter } from './reporter.js';
import { mapStrings, terminalText } from './escape.js';
import { treeMismatchSummary } from './common.js';

const ANSI = { red: 31, yellow: 33, blue: 34, green: 32, dim: 2, bold: 1 } as const;
type Paint = (style: keyof typeof ANSI, text: string) => string;

const changeMark: Record<Site['change'], string> = { added: '+', removed: '-', unchanged: ' ', tree: '~' };

function patchTitle(meta: PatchMeta, total: number): string {
  return `patch ${meta.index + 1}/${total}: ${meta.subject ?? '(no subject)'}`;
}

function siteLine(site: Site, paint: Paint): string {
  const mark = changeMark[site.change];
  const where = `${mark}${site.side === 'old' ? 'old' : 'new'}:${site.line}`.padEnd(10);
  const colored = site.change === 'added' ? paint('green', where) : site.change === 'removed' ? paint('red', where) : where;
  const fn = (site.function ?? '(file scope)').padEnd(26);
  const what = site.kind === 'flag-use' ? `${site.api}: ${site.text}` : site.text;
  const guard = site.guards.length ? paint('dim', `  [if ${site.guards.join(' && ')}]`) : '';
  const cond = site.definition?.conditions.length ? paint('dim', `  [#if ${site.definition.conditions.join(' && ')}]`) : '';
  const arch = site.arch
    ? paint(
        'dim',
        `  ${Object.entries(site.arch)
          .map(([a, r]) => `${a}:${r?.mechanism}${r?.verdict ? `/${r.verdict}` : ''}${r?.builtIn?.length ? '(built-in)' : ''}`)
          .join(' ')}`,
      )
    : '';
  const classes = site.classes?.length ? paint('blue', `  <${site.classes.join(',')}>`) : '';
  return `    ${colored} ${fn} ${site.kind.padEnd(10)} ${what}${guard}${cond}${classes}${arch}`;
}

function findingLine(f: Finding, paint: Paint): string {
  const sev = f.severity === 'error' ? paint('red', 'error') : f.severity === 'warning' ? paint('yellow', 'warning') : paint('blue', 'note');
  const arch = f.arch ? ` [${f.arch}]` : '';
  const suppressed = f.suppressed ? paint('dim', ` (suppressed: ${f.suppressed.reason})`) : '';
  return `  ${f.file}:${f.line} ${sev} ${f.ruleId} ${f.ruleName}${arch} in ${f.function ?? '(file scope)'}: ${f.message}${suppressed}`;
}

/**
 * Grouped by patch, then file; sites in line order. Every string of the run
 * enters as terminal text (visible characters, one line, no workflow command);
 * the only escape sequences are the colours added here.
 */
export const text: Reporter = (untrusted: RunResult, { color }) => {
  const run = mapStrings(untrusted, terminalText);
  const paint: Paint = (style, s) => (color ? `\u001b[${ANSI[style]}m${s}\u001b[0m` : s);
  const out: string[] = [];
  if (run.settings.model) out.push(paint('dim', run.settings.model.summary), '');
  const treeNote = treeMismatchSummary(run.settings, (name) => name);
  if (treeNote) out.push(paint('yellow', `warning: ${treeNote}`), '');
  for (const meta of run.patches) {
    out.push(paint('bold', patchTitle(meta, run.patches.length)));
    const by = [meta.author, meta.date].filter(Boolean).join(', ');
    out.push(paint('dim', `  ${by ? `${by}  ` : ''}(${meta.source}, ${meta.form})`));
    const sites = run.sites.filter((s) => s.patch === meta.index);
    if (sites.length === 0) out.push('  no flush sites');
    const files = [...new Set(sites.map((s) => s.file))];
    for (const file of files) {
      out.push(`  ${file}`);
      for (const site of sites.filter((s) => s.file === file)) out.push(siteLine(site, paint));
    }
    // Entries with nothing to parse are noted, so nobody wonders where they went.
    for (const f of meta.files ?? []) {
      if (f.status === 'modified' || f.status === 'added' || f.status === 'deleted') continue;
      const path = f.status === 'renamed' || f.status === 'copied' ? `${f.oldPath} → ${f.newPath}` : (f.newPath ?? f.oldPath ?? '?');
      const why = f.status === 'binary' ? ' (binary: not reviewed)' : f.status === 'mode-only' ? ' (mode change only)' : '';
      out.push(paint('dim', `  ${f.status} ${path}${why}`));
    }
    const findings = run.findings.filter((f) => f.patch === meta.index);
    if (findings.length) {
      out.push('  findings:');
      for (const f of findings) out.push(findingLine(f, paint));
    }
    out.push('');
  }
  const active = run.findings.filter((f) => !f.suppressed);
  const count = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  out.push(`${count(run.patches.length, 'patch').replace('patchs', 'patches')}, ${count(run.sites.length, 'site')}, ${count(active.length, 'finding')}, ${count(run.errors.length, 'input error')}`);
  return `${out.join('\n')}\n`;
};
