import type { Finding, RunResult, Severity } from '../types.js';
import { SEVERITY_RANK } from '../types.js';
import { ARCH_NAME, severityCounts } from './common.js';
import { clip, oneLine, TEXT_MAX, terminalText } from './escape.js';
import type { Reporter } from './reporter.js';

/*
 * GitHub Actions workflow commands (`::error file=…,line=…,title=…::message`),
 * printed to the job log: the runner turns each line into an annotation on the
 * pull request's diff. It needs no token, so it is what works on a pull
 * request from a fork. Every line of the output is one command of ours: patch
 * text is made one visible line first (no line break can end our line and
 * start one of the patch's, `::stop-commands::` included), then escaped the
 * runner's way, `%`, CR and LF in the message and also `:` and `,` in a
 * property, so a patch string can neither end the properties nor add one.
 * A property keeps its exact value (a path still names the file); the message
 * is terminal text like the rest of the log (`::` shown as `:\:`).
 */

const COMMAND: Record<Severity, 'error' | 'warning' | 'notice'> = { error: 'error', warning: 'warning', note: 'notice' };

/** The runner unescapes `%0D`, `%0A` and `%25` in the message. */
const escapeData = (text: string): string => text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');

/** In a property the runner also unescapes `%3A` and `%2C`: `:` would end the properties, `,` start another. */
const escapeProperty = (text: string): string => escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');

function annotation(f: Finding): string {
  const arch = f.arch ? ` [${ARCH_NAME[f.arch]}]` : '';
  // A removed line has no place in the new file: the annotation goes on the file, the message says which old line.
  const where = f.side === 'old' ? ` (on old line ${f.line}, which the patch removes)` : '';
  const fix = f.fix ? ` Fix: ${f.fix}` : '';
  const properties = [`file=${escapeProperty(oneLine(f.file))}`, ...(f.side === 'old' ? [] : [`line=${f.line}`]), `title=${escapeProperty(oneLine(`${f.ruleId} ${f.ruleName}${arch}`))}`];
  const message = clip(terminalText(`${f.message}${where}.${fix}`), 2 * TEXT_MAX);
  return `::${COMMAND[f.severity]} ${properties.join(',')}::${escapeData(message)}`;
}

/**
 * One command per unsuppressed finding, most severe first (the runner shows
 * only the first few of each kind per step), then one notice with the count.
 */
export const annotations: Reporter = (run: RunResult) => {
  const active = run.findings.filter((f) => !f.suppressed);
  const ordered = active.map((f, i) => ({ f, i })).sort((a, b) => SEVERITY_RANK[b.f.severity] - SEVERITY_RANK[a.f.severity] || a.i - b.i);
  const lines = ordered.map(({ f }) => annotation(f));
  const suppressed = run.findings.length - active.length;
  const counts = active.length ? severityCounts(active) : 'no findings';
  const summary = `${counts}${suppressed ? `, ${suppressed} suppressed` : ''} in ${run.patches.length} ${run.patches.length === 1 ? 'patch' : 'patches'}`;
  lines.push(`::notice title=flushcheck::${escapeData(summary)}`);
  return `${lines.join('\n')}\n`;
};
