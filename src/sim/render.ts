import { mermaidLines, mermaidText } from '../util/mermaid-text.js';
import { wrapWords } from '../util/wrap.js';
import { visibleLine, withoutCiCommands } from '../util/visible-text.js';
import type { SimResult, TraceStep } from '../types.js';
import { PROPERTIES, type PropertyId } from './properties.js';

/**
 * Renderings of a simulation: a text timeline with one column per CPU, and a Mermaid
 * sequenceDiagram. Pure functions of the SimResult: the report helper embeds them in
 * Markdown, the CLI prints them.
 */

export interface TimelineOptions {
  /** Width of one CPU column (default 38). */
  columnWidth?: number;
}

const cpusOf = (sim: SimResult, trace: readonly TraceStep[]): number => Math.max(sim.cpus, ...trace.map((s) => s.cpu + 1));

function propertyLine(sim: SimResult): string {
  if (sim.safe) return 'SAFE: P1–P4 hold in every reachable state';
  if (sim.property) return `UNSAFE: ${sim.property} violated: ${PROPERTIES[sim.property as PropertyId] ?? sim.property}`;
  return `INCONCLUSIVE: ${sim.bound ?? 'search incomplete'}`;
}

/** Summary lines shared by both renderings (raw: each rendering escapes them for its own syntax). */
export function summaryLines(sim: SimResult): string[] {
  const lines = [`scenario: ${sim.scenario} (${sim.cpus} CPUs)`, propertyLine(sim)];
  if (sim.failsWhen) lines.push(`fails when: ${sim.failsWhen}`);
  lines.push(`explored: ${sim.states} states, ${sim.transitions} transitions`);
  for (const note of sim.notes ?? []) lines.push(`note: ${note}`);
  return lines;
}

/** A text timeline: time goes down, one column per CPU; each step's effect follows it. */
export function renderTimeline(sim: SimResult, options: TimelineOptions = {}): string {
  const width = options.columnWidth ?? 38;
  const trace = sim.trace;
  const n = cpusOf(sim, trace);
  // A terminal shows only visible characters (the condition and the trace can quote the patch).
  const out = summaryLines(sim).map((line) => withoutCiCommands(visibleLine(line)));
  if (trace.length === 0) return `${out.join('\n')}\n`;
  const pad = (s: string): string => s + ' '.repeat(Math.max(0, width - s.length));
  const row = (label: string, cells: string[]): string => `${label.padStart(4)} ${cells.map(pad).join(' │ ')}`.trimEnd();
  out.push('');
  out.push(
    row(
      'step',
      Array.from({ length: n }, (_, c) => `CPU${c}`),
    ),
  );
  out.push(`${'─'.repeat(4)} ${Array.from({ length: n }, () => '─'.repeat(width)).join('─┼─')}`);
  for (const step of trace) {
    const text = wrapWords(withoutCiCommands(visibleLine(`[${step.actor}] ${step.action}`)), width);
    const effect = wrapWords(withoutCiCommands(visibleLine(`→ ${step.effect}`)), width);
    const lines = [...text, ...effect];
    for (const [i, line] of lines.entries())
      out.push(
        row(
          i === 0 ? String(step.step) : '',
          Array.from({ length: n }, (_, c) => (c === step.cpu ? line : '')),
        ),
      );
  }
  if (sim.property === 'P4') out.push(`${' '.repeat(5)}deadlock: no CPU can make progress, and not every actor is done`);
  return `${out.join('\n')}\n`;
}

/**
 * Characters per line of a note. A sequence diagram is as wide as its
 * participants plus the widest notes between them; at 40 characters a
 * three-CPU counterexample stays near 800 px, the width of a PR comment, so
 * hosts scale it little.
 */
const NOTE_WIDTH = 40;

/** A Mermaid sequenceDiagram of the trace: one participant per CPU, flush IPIs as arrows; every note wrapped at NOTE_WIDTH. */
export function renderMermaid(sim: SimResult): string {
  const trace = sim.trace;
  const n = cpusOf(sim, trace);
  const roles = new Map<number, Set<string>>();
  for (const s of trace) roles.set(s.cpu, (roles.get(s.cpu) ?? new Set()).add(s.actor));
  const out = ['sequenceDiagram'];
  // Comments too: Mermaid applies a `%%{init}%%` directive wherever it stands, even in a comment.
  for (const line of summaryLines(sim)) out.push(`  %% ${mermaidText(line)}`);
  for (let c = 0; c < n; c++) {
    const r = [...(roles.get(c) ?? [])].filter((a) => a !== 'irq').sort();
    out.push(`  participant CPU${c} as CPU${c}${r.length ? ` ${mermaidText(`(${r.join(', ')})`)}` : ''}`);
  }
  let lockHolder = 0;
  for (const step of trace) {
    const me = `CPU${step.cpu}`;
    const failing = !sim.safe && step === trace[trace.length - 1] && sim.property !== 'P4';
    if (failing) out.push('  rect rgb(255, 221, 221)');
    out.push(`  Note over ${me}: ${mermaidLines(`${step.step}. ${step.actor}: ${step.action}`, NOTE_WIDTH)}`);
    const targets = [...step.effect.matchAll(/flush IPI pending on CPU(\d+)/g)].map((m) => Number(m[1]));
    if (targets.length) lockHolder = step.cpu;
    for (const t of targets) out.push(`  ${me}-)CPU${t}: flush IPI`);
    if (/acknowledged/.test(step.effect) && step.actor === 'irq') out.push(`  ${me}--)CPU${lockHolder}: ack`);
    // One note per effect: joined, a step's effects made one note thousands of pixels wide.
    for (const effect of step.effect.split('; ')) if (effect && !/flush IPI pending on/.test(effect)) out.push(`  Note right of ${me}: ${mermaidLines(effect, NOTE_WIDTH)}`);
    if (failing) out.push('  end');
  }
  if (!sim.safe && sim.property) {
    const span = n > 1 ? `CPU0,CPU${n - 1}` : 'CPU0';
    const what = sim.property === 'P4' ? 'deadlock: no CPU can make progress' : `${sim.property} violated`;
    out.push(`  Note over ${span}: ${mermaidText(what)}`);
  }
  return `${out.join('\n')}\n`;
}
