import { describe, expect, it } from 'vitest';
import { conditionalArgument, evaluate } from '../../src/classify/conditions.js';

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

// pageTableTest's cases are the one table in page-types.test.ts.

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
