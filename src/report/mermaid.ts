import type { TraceStep } from '../types.js';
import { mermaidText } from './escape.js';

/*
 * A small Mermaid renderer for simulation traces, for the Markdown and GitHub
 * reporters. The simulator's src/sim/render.ts has its own: one of the two
 * should go once both have landed.
 */

const ROLE: Record<TraceStep['actor'], string> = { walker: 'walker', initiator: 'initiator', irq: 'interrupt', hw: 'hardware', owner: 'owner' };

/**
 * A `sequenceDiagram` of a counterexample: one participant per CPU (named by
 * the roles it plays), each step an arrow on its CPU's lifeline with the
 * effect as a note; hardware steps span every CPU.
 */
export function sequenceDiagram(trace: readonly TraceStep[]): string {
  const cpus = [...new Set(trace.map((s) => s.cpu))].sort((a, b) => a - b);
  const lines = ['sequenceDiagram'];
  for (const cpu of cpus) {
    const roles = [...new Set(trace.filter((s) => s.cpu === cpu && s.actor !== 'hw').map((s) => ROLE[s.actor]))].sort();
    lines.push(`    participant CPU${cpu} as CPU ${cpu}${roles.length ? ` (${mermaidText(roles.join(', '))})` : ''}`);
  }
  const first = cpus[0];
  const last = cpus[cpus.length - 1];
  for (const step of [...trace].sort((a, b) => a.step - b.step)) {
    const label = `${step.step}. ${mermaidText(step.action)}`;
    if (step.actor === 'hw' && first !== undefined && last !== undefined) {
      lines.push(`    Note over CPU${first},CPU${last}: ${label}`);
    } else {
      lines.push(`    CPU${step.cpu}->>CPU${step.cpu}: ${label}`);
    }
    if (step.effect) lines.push(`    Note right of CPU${step.cpu}: ${mermaidText(step.effect)}`);
  }
  return lines.join('\n');
}
