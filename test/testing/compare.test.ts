import { describe, expect, it } from 'vitest';
import type { Annotation, Finding, ToolError } from '../../src/types.js';
import { compareCase } from '../../src/testing/compare.js';

function finding(ruleId: string, file: string, line: number, fn: string | null, extra: Partial<Finding> = {}): Finding {
  return {
    ruleId,
    ruleName: ruleId === 'FC001' ? 'missing-forced-ipi' : 'unnecessary-forced-ipi',
    messageId: 'm',
    data: {},
    message: 'm',
    severity: ruleId === 'FC001' ? 'error' : 'warning',
    patch: 0,
    file,
    line,
    side: 'new',
    function: fn,
    related: [],
    fingerprint: `${ruleId}:${file}:${line}`,
    ...extra,
  };
}

const note = (kind: Annotation['kind'], rule: string, line: number, extra: Partial<Annotation> = {}): Annotation => ({
  kind,
  rule,
  file: 'xen/common/memory.c',
  line,
  sides: ['new'],
  patch: 0,
  at: `xen/common/memory.c:${line - 1}`,
  ...extra,
});

const MEMORY = finding('FC001', 'xen/common/memory.c', 281, 'populate_physmap');
const SHADOW = finding('FC002', 'xen/arch/x86/mm/shadow/common.c', 51, 'sh_make_room');

describe('judging a case', () => {
  it('passes when the findings are the .expect lines, in any order', () => {
    const outcome = compareCase({
      expected: ['warning FC002 xen/arch/x86/mm/shadow/common.c:51 sh_make_room', 'error FC001 xen/common/memory.c:281 populate_physmap'],
      annotations: [],
      findings: [SHADOW, MEMORY],
      errors: [],
    });
    expect(outcome.problems).toEqual([]);
    expect(outcome.actual).toEqual(['error FC001 xen/common/memory.c:281 populate_physmap', 'warning FC002 xen/arch/x86/mm/shadow/common.c:51 sh_make_room']);
  });

  it('reports expected-not-reported as Missing and reported-not-expected as Noisy, counting repeats', () => {
    const outcome = compareCase({
      expected: ['error FC001 xen/common/memory.c:281 populate_physmap', 'error FC001 xen/common/memory.c:281 populate_physmap'],
      annotations: [],
      findings: [MEMORY, SHADOW],
      errors: [],
    });
    expect(outcome.problems).toEqual([
      { kind: 'missing', text: 'error FC001 xen/common/memory.c:281 populate_physmap' },
      { kind: 'noisy', text: 'warning FC002 xen/arch/x86/mm/shadow/common.c:51 sh_make_room' },
    ]);
  });

  it('leaves suppressed findings out and turns input errors into input-error lines', () => {
    const error: ToolError = { file: 'cases/broken.patch', line: 7, code: 'truncated-hunk', message: 'cut' };
    const outcome = compareCase({ expected: [], annotations: [], findings: [{ ...MEMORY, suppressed: { reason: 'known', line: 280 } }], errors: [error] });
    expect(outcome.actual).toEqual(['input-error truncated-hunk broken.patch:7 -']);
    expect(outcome.problems).toEqual([{ kind: 'noisy', text: 'input-error truncated-hunk broken.patch:7 -' }]);
  });

  it('ruleid must be reported and ok must not be, whatever the .expect says', () => {
    const outcome = compareCase({
      expected: ['error FC001 xen/common/memory.c:281 populate_physmap'],
      annotations: [note('ok', 'FC001', 281), note('ruleid', 'FC002', 290)],
      findings: [MEMORY],
      errors: [],
    });
    expect(outcome.problems).toEqual([
      { kind: 'noisy', text: 'error FC001 xen/common/memory.c:281 populate_physmap', because: 'ok: FC001 at xen/common/memory.c:280' },
      { kind: 'missing', text: 'FC002 xen/common/memory.c:290', because: 'ruleid: FC002 at xen/common/memory.c:289' },
    ]);
  });

  it('an annotation matches only its side and its patch', () => {
    const oldSide = compareCase({ expected: [], annotations: [note('ok', 'FC001', 281)], findings: [{ ...MEMORY, side: 'old' }], errors: [] });
    expect(oldSide.problems.map((p) => p.because)).toEqual([undefined]);
    const otherPatch = compareCase({ expected: [], annotations: [note('ok', 'FC001', 281, { patch: 1 })], findings: [MEMORY], errors: [] });
    expect(otherPatch.problems.map((p) => p.because)).toEqual([undefined]);
  });

  it('without a .expect, each finding must be claimed by a ruleid annotation (as in Semgrep)', () => {
    const claimed = compareCase({ annotations: [note('ruleid', 'FC001', 281)], findings: [MEMORY], errors: [] });
    expect(claimed.problems).toEqual([]);
    const unclaimed = compareCase({ annotations: [], findings: [MEMORY], errors: [] });
    expect(unclaimed.problems).toEqual([{ kind: 'noisy', text: 'error FC001 xen/common/memory.c:281 populate_physmap', because: 'no .expect file and no ruleid annotation claims it' }]);
    expect(compareCase({ annotations: [], findings: [], errors: [] }).problems).toEqual([]);
  });

  it('todo annotations are known gaps: never a failure, a note when they change', () => {
    // todoruleid: should be reported, is not yet. todook: should not be, still is.
    const gaps = compareCase({ expected: [], annotations: [note('todoruleid', 'FC001', 300), note('todook', 'FC001', 281)], findings: [MEMORY], errors: [] });
    expect(gaps.problems).toEqual([]);
    expect(gaps.notes).toEqual([]);
    const fixed = compareCase({
      expected: ['error FC001 xen/common/memory.c:281 populate_physmap'],
      annotations: [note('todoruleid', 'FC001', 281), note('todook', 'FC002', 290)],
      findings: [MEMORY],
      errors: [],
    });
    expect(fixed.problems).toEqual([]);
    expect(fixed.notes).toEqual(['todoruleid: FC001 at xen/common/memory.c:280 is reported now: make it ruleid', 'todook: FC002 at xen/common/memory.c:289 is no longer reported: make it ok']);
  });
});
