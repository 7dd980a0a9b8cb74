import type { Annotation, CaseProblem, Finding, ToolError } from '../types.js';
import { errorLine, findingLine, sortLines } from './expect-file.js';

export interface CaseOutcome {
  actual: string[];
  problems: CaseProblem[];
  notes: string[];
}

export interface CaseEvidence {
  /** Lines of the `.expect` file; undefined when the case has none (annotations alone then). */
  expected?: readonly string[];
  /** Annotations with their rule resolved to an id. */
  annotations: readonly Annotation[];
  findings: readonly Finding[];
  errors: readonly ToolError[];
}

interface Located {
  ruleId: string;
  file: string;
  line: number;
}

const EXPECT_LINE = /^\S+ (\S+) (\S+):(\d+) \S+$/;

function locate(line: string): Located | undefined {
  const m = EXPECT_LINE.exec(line);
  return m ? { ruleId: m[1]!, file: m[2]!, line: Number(m[3]) } : undefined;
}

const matches = (a: Annotation, f: Finding): boolean => a.rule === f.ruleId && a.file === f.file && a.line === f.line && a.sides.includes(f.side) && (a.patch === undefined || a.patch === f.patch);

const sameSpot = (a: Annotation, l: Located | undefined): boolean => l !== undefined && a.rule === l.ruleId && a.file === l.file && a.line === l.line;

/** `b` minus `a`, counting repeats (two findings on one line are two lines). */
function multisetMinus(a: readonly string[], b: readonly string[]): string[] {
  const left = new Map<string, number>();
  for (const x of b) left.set(x, (left.get(x) ?? 0) + 1);
  const out: string[] = [];
  for (const x of a) {
    const n = left.get(x) ?? 0;
    if (n > 0) left.set(x, n - 1);
    else out.push(x);
  }
  return out;
}

/**
 * Judges one case. With a `.expect`, it is the exact list (as a multiset);
 * without one, every finding must be claimed by a `ruleid` (or `todook`)
 * annotation, as in Semgrep's rule tests. Either way each `ruleid` must be
 * reported and each `ok` must not be. Lines a `todo…` annotation names are
 * known gaps: left out of the comparison, and noted when they change.
 */
export function compareCase(evidence: CaseEvidence): CaseOutcome {
  const active = evidence.findings.filter((f) => !f.suppressed);
  const actualLines = sortLines([...active.map(findingLine), ...evidence.errors.map(errorLine)]);
  const todos = evidence.annotations.filter((a) => a.kind === 'todoruleid' || a.kind === 'todook');
  const onTodo = (l: Located | undefined): boolean => todos.some((a) => sameSpot(a, l));
  const problems: CaseProblem[] = [];
  const notes: string[] = [];

  const compared = actualLines.filter((l) => !onTodo(locate(l)));
  if (evidence.expected) {
    const expected = evidence.expected.filter((l) => !onTodo(locate(l)));
    for (const text of multisetMinus(expected, compared)) problems.push({ kind: 'missing', text });
    for (const text of multisetMinus(compared, expected)) problems.push({ kind: 'noisy', text });
  } else {
    const claimed = evidence.annotations.filter((a) => a.kind === 'ruleid');
    for (const f of active) {
      const line = findingLine(f);
      if (onTodo(locate(line)) || claimed.some((a) => matches(a, f))) continue;
      problems.push({ kind: 'noisy', text: line, because: 'no .expect file and no ruleid annotation claims it' });
    }
    for (const e of evidence.errors) problems.push({ kind: 'noisy', text: errorLine(e), because: 'no .expect file' });
  }

  const reported = (text: string): boolean => problems.some((p) => p.text === text);
  for (const a of evidence.annotations) {
    const hits = active.filter((f) => matches(a, f));
    if (a.kind === 'ruleid' && hits.length === 0) {
      const already = problems.some((p) => p.kind === 'missing' && sameSpot(a, locate(p.text)));
      if (!already) problems.push({ kind: 'missing', text: `${a.rule} ${a.file}:${a.line}`, because: `ruleid: ${a.rule} at ${a.at}` });
    } else if (a.kind === 'ok') {
      for (const f of hits) if (!reported(findingLine(f))) problems.push({ kind: 'noisy', text: findingLine(f), because: `ok: ${a.rule} at ${a.at}` });
    } else if (a.kind === 'todoruleid' && hits.length > 0) {
      notes.push(`todoruleid: ${a.rule} at ${a.at} is reported now: make it ruleid`);
    } else if (a.kind === 'todook' && hits.length === 0) {
      notes.push(`todook: ${a.rule} at ${a.at} is no longer reported: make it ok`);
    }
  }
  return { actual: actualLines, problems, notes };
}
