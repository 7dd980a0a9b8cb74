import { describe, expect, it } from 'vitest';
import { conditionalArgument, evaluate, pageTableTest } from '../../src/classify/conditions.js';

describe('evaluate: constant conditions decide, others stay open', () => {
  it.each([
    ['true', true],
    ['!(false)', true],
    ['!true', false],
    ['0', false],
    ['1 && x', undefined],
    ['0 && x', false],
    ['x || 1', true],
    ['1 == 1', true],
    ['2 != 2', false],
    ['!cpumask_empty(&mask)', undefined],
    ['need_tlbflush', undefined],
  ])('%s → %s', (condition, value) => {
    expect(evaluate(condition)).toBe(value);
  });
});

describe('pageTableTest: did the old type say page table?', () => {
  it.each([
    ['(x & PGT_type_mask) && (x & PGT_type_mask) <= PGT_root_page_table', 'holds'],
    ['!((x & PGT_type_mask) && (x & PGT_type_mask) <= PGT_root_page_table)', 'fails'],
    ['(x & PGT_type_mask) == PGT_l1_page_table', 'holds'],
    ['(x & PGT_type_mask) > PGT_l4_page_table', 'fails'],
    ['PGT_root_page_table >= (x & PGT_type_mask)', 'holds'],
    ['(x & PGT_type_mask) != PGT_l2_page_table', 'fails'],
    ['(nx & PGT_type_mask) == PGT_writable_page', undefined],
    ['sync', undefined],
  ])('%s → %s', (condition, verdict) => {
    expect(pageTableTest(condition)).toBe(verdict);
  });
});

describe('conditionalArgument', () => {
  it('splits `c ? a : b` and leaves other arguments alone', () => {
    expect(conditionalArgument('(x & PGT_type_mask) <= PGT_root_page_table ? FLUSH_TLB | FLUSH_NO_ASSIST : FLUSH_TLB')).toEqual({
      condition: '(x & PGT_type_mask) <= PGT_root_page_table',
      consequence: 'FLUSH_TLB | FLUSH_NO_ASSIST',
      alternative: 'FLUSH_TLB',
    });
    expect(conditionalArgument('FLUSH_TLB')).toBeUndefined();
  });
});
