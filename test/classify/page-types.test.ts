import { describe, expect, it } from 'vitest';
import { pageTableTest } from '../../src/classify/conditions.js';
import { builtinPageTypes, oldTypeTest, situations, typeInputs } from '../../src/classify/page-types.js';
import { pageTablePolarity } from '../../src/sim/conditions.js';

/**
 * THE table of page-table tests (docs/sim.md shows it): each condition, the old
 * types that reach the branch it guards, and what that says. The classifier and
 * the simulator both read conditions through src/classify/page-types.ts; the two
 * copies they had before disagreed on `!= PGT_l2_page_table`, `<= PGT_root_page_table`
 * without the non-zero test, and `nx` (the new type) read as the old one.
 */
const PAGE_TABLE_CASES: readonly [condition: string, reach: string, verdict: 'holds' | 'fails' | undefined][] = [
  ['(x & PGT_type_mask) && (x & PGT_type_mask) <= PGT_root_page_table', 'l1 l2 l3 l4', 'holds'],
  ['!((x & PGT_type_mask) && (x & PGT_type_mask) <= PGT_root_page_table)', 'none seg_desc shared writable', 'fails'],
  ['(x & PGT_type_mask) == PGT_l1_page_table', 'l1', 'holds'],
  ['!((x & PGT_type_mask) == PGT_l1_page_table)', 'none l2 l3 l4 seg_desc shared writable', undefined],
  ['(x & PGT_type_mask) > PGT_l4_page_table', 'seg_desc shared writable', 'fails'],
  ['PGT_root_page_table >= (x & PGT_type_mask)', 'none l1 l2 l3 l4', undefined],
  ['(x & PGT_type_mask) != PGT_l2_page_table', 'none l1 l3 l4 seg_desc shared writable', undefined],
  ['(x & PGT_type_mask) >= PGT_l2_page_table && (x & PGT_type_mask) <= PGT_l4_page_table', 'l2 l3 l4', 'holds'],
  ['(x & PGT_type_mask) == PGT_writable_page', 'writable', 'fails'],
  ['((x + 1) & PGT_type_mask) == PGT_writable_page', 'writable', 'fails'],
  ['(page->u.inuse.type_info & PGT_type_mask) == PGT_seg_desc_page', 'seg_desc', 'fails'],
  ['(x & PGT_type_mask) != type', 'none l1 l2 l3 l4 seg_desc shared writable', undefined],
  ['(((x & ~(PGT_type_mask | PGT_validated)) | type) & PGT_type_mask) <= PGT_root_page_table', 'none l1 l2 l3 l4 seg_desc shared writable', undefined],
];

const short = (names: string): string =>
  names
    .replace(/PGT_/g, '')
    .replace(/_page_table/g, '')
    .replace(/_page\b/g, '');

describe('page types: one table of cases for the classifier and the simulator', () => {
  it.each(PAGE_TABLE_CASES)('%s → old types %s (%s)', (condition, reach, verdict) => {
    const test = oldTypeTest(condition);
    expect(short(test!.reach.map((t) => t.name).join(' '))).toBe(reach);
    expect(test!.verdict).toBe(verdict);
    // Both stages read the same answer.
    expect(pageTableTest(condition)).toBe(verdict);
    expect(pageTablePolarity(condition)).toBe(verdict === undefined ? undefined : verdict === 'holds');
  });

  it.each(['sync', '(nx & PGT_type_mask) == PGT_writable_page', '(x & PGT_count_mask) == 0', '!shadow || (x & PGT_type_mask) == PGT_writable_page'])(
    '%s says nothing about the old type',
    (condition) => {
      expect(oldTypeTest(condition)).toBeUndefined();
      expect(pageTableTest(condition)).toBeUndefined();
    },
  );

  it('the new type (a parameter named type) and the old one are separate inputs, enumerated together', () => {
    expect(typeInputs('(x & PGT_type_mask) != type')).toEqual([
      { text: 'type', role: 'new', bare: true },
      { text: 'x', role: 'old', bare: false },
    ]);
    const cells = situations('(x & PGT_type_mask) != type');
    expect(cells).toHaveLength(64);
    expect(cells.filter((c) => c.holds === false)).toHaveLength(8);
  });

  it('the built-in table is the x86_64 layout and says it is built-in', () => {
    expect(builtinPageTypes().source).toMatch(/^built-in/);
    expect(
      builtinPageTypes()
        .types.filter((t) => t.pageTable)
        .map((t) => t.name),
    ).toEqual(['PGT_l1_page_table', 'PGT_l2_page_table', 'PGT_l3_page_table', 'PGT_l4_page_table']);
  });
});
