import { describe, expect, it } from 'vitest';
import { RULES } from '../../src/rules/index.js';
import { lostSituations } from '../../src/classify/page-types.js';
import { reviewText } from '../report/fixture-run.js';
import { rewrite } from '../helpers/rewrite.js';

const rule = RULES.find((r) => r.meta.id === 'FC006')!;
const fc006 = (before: string, after: string): string[] =>
  reviewText('p.patch', rewrite('xen/common/fc006.c', before, after))
    .findings.filter((f) => f.ruleId === 'FC006')
    .map((f) => `${f.ruleId} ${f.line} ${f.message}`);

describe('FC006 changed-flush-guard', () => {
  it('its docs: the patch from the good example to the bad one gives exactly one finding, naming the lost situation', () => {
    const found = fc006(rule.meta.docs.good, rule.meta.docs.bad);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/no longer runs .* when .*page_is_idle\(page\) is true/);
  });

  it('the way back (a guard widened) and no change give none', () => {
    expect(fc006(rule.meta.docs.bad, rule.meta.docs.good)).toEqual([]);
    expect(fc006(rule.meta.docs.good, rule.meta.docs.good)).toEqual([]);
  });

  it('situations are enumerated over the page types and the truths a guard tests', () => {
    // The XSA-408 shape: the same text reads the new type once nx was updated.
    const lost = lostSituations('((x + 1) & PGT_type_mask) != type', '((((x + 1) & ~(PGT_type_mask | PGT_validated)) | type) & PGT_type_mask) != type');
    expect(lost.length).toBeGreaterThan(0);
    expect(lost.every((l) => l.situation.x !== l.situation.type)).toBe(true);
    expect(lostSituations('need_tlbflush', 'need_tlbflush || force')).toEqual([]);
    expect(lostSituations('need_tlbflush', 'need_tlbflush && !preempted')).toEqual([{ situation: { need_tlbflush: 'true', preempted: 'true' } }]);
  });
});
