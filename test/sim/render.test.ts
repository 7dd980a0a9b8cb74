import { describe, expect, it } from 'vitest';
import { renderMermaid, renderTimeline } from '../../src/sim/render.js';
import { simulate } from '../../src/sim/simulate.js';
import type { SimResult } from '../../src/types.js';

const hazard = (): SimResult => simulate({ kind: 'page-type-change', arch: 'x86', cpus: 3 }, 'assisted');

describe('text timeline', () => {
  it('has one column per CPU and puts each step in its CPU column', () => {
    const text = renderTimeline(hazard(), { columnWidth: 30 });
    const lines = text.split('\n');
    const head = lines.find((l) => l.startsWith('step'))!;
    expect(head.match(/CPU\d/g)).toEqual(['CPU0', 'CPU1', 'CPU2']);
    const first = lines.find((l) => /^\s+1 /.test(l))!;
    // Step 1 is the walker on CPU1: CPU0's column is empty.
    expect(first.split('│')[0]!.trim()).toBe('1');
    expect(first.split('│')[1]).toMatch(/\[walker\]/);
    expect(text).toMatch(/UNSAFE: P1 violated/);
  });

  it('prints only the summary for a safe result', () => {
    const safe = simulate({ kind: 'page-type-change', arch: 'x86', cpus: 3 }, 'ipi');
    const text = renderTimeline(safe);
    expect(text).toMatch(/^scenario: .*\nSAFE: P1–P4 hold/);
    expect(text).not.toMatch(/step/);
  });

  it('says deadlock at the end of a P4 trace', () => {
    const r = simulate({ kind: 'other', arch: 'x86', cpus: 3, mutation: 'initiator-irq-off' }, 'ipi');
    expect(renderTimeline(r)).toMatch(/deadlock: no CPU can make progress/);
  });

  it('is a pure function of its input', () => {
    const sim = hazard();
    const copy = structuredClone(sim);
    expect(renderTimeline(sim)).toBe(renderTimeline(copy));
    expect(sim).toEqual(copy);
  });
});

describe('Mermaid sequenceDiagram', () => {
  it('has a participant per CPU, a note per step and IPIs as arrows', () => {
    const r = simulate({ kind: 'page-type-change', arch: 'x86', cpus: 3, mutation: 'walker-unmasked' }, 'ipi');
    const m = renderMermaid(r);
    const lines = m.trimEnd().split('\n');
    expect(lines[0]).toBe('sequenceDiagram');
    expect(lines.filter((l) => /^ {2}participant CPU\d/.test(l))).toHaveLength(3);
    expect(lines.filter((l) => /^ {2}Note over CPU\d: \d+\./.test(l))).toHaveLength(r.trace.length);
    expect(m).toMatch(/CPU0-\)CPU1: flush IPI/);
    expect(m).toMatch(/CPU1--\)CPU0: ack/);
  });

  it('never lets a semicolon end a statement early', () => {
    const m = renderMermaid(hazard());
    for (const line of m.split('\n').filter((l) => !l.trimStart().startsWith('%%'))) expect(line.replace(/#\d+;/g, '')).not.toMatch(/;/);
  });
});
