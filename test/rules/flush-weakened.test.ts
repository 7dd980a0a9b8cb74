import { describe, expect, it } from 'vitest';
import { RULES } from '../../src/rules/index.js';
import { reviewText } from '../report/fixture-run.js';
import { rewrite } from '../helpers/rewrite.js';

const rule = RULES.find((r) => r.meta.id === 'FC010')!;
const findings = (before: string, after: string, ruleId = 'FC010'): string[] =>
  reviewText('p.patch', rewrite('xen/arch/x86/pv/fc010.c', before, after))
    .findings.filter((f) => f.ruleId === ruleId)
    .map((f) => `${f.ruleId} ${f.severity} ${f.arch ?? ''} ${f.line} ${f.message}`);

/** A flush after an L4 update, with `flush` as its statement and `guard` as its condition. */
const slot = (flush: string, guard = '!rc', update = '    int rc = mod_l4_entry(pl4e, nl4e, mfn, 0, v);', extra = ''): string =>
  [
    extra,
    'static int set_slot(struct domain *d, l4_pgentry_t *pl4e, l4_pgentry_t nl4e, mfn_t mfn, struct vcpu *v)',
    '{',
    update,
    '',
    `    if ( ${guard} )`,
    `        ${flush};`,
    '',
    '    return rc;',
    '}',
  ].join('\n');

const WITH_ROOT = 'flush_mask(d->dirty_cpumask, FLUSH_TLB | FLUSH_ROOT_PGTBL)';
const PLAIN = 'flush_tlb_mask(d->dirty_cpumask)';

describe('FC010 flush-weakened', () => {
  it('its docs: the patch from the good example to the bad one gives one x86 warning naming the flag, the update and the mask', () => {
    const found = findings(rule.meta.docs.good, rule.meta.docs.bad);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^FC010 warning x86 \d+ flush_tlb_mask no longer passes FLUSH_ROOT_PGTBL after the page-table update `mod_l4_entry\(pl4e, nl4e, mfn, 0, v\)` \(line 4\)/);
    expect(found[0]).toContain('CPUs in d->dirty_cpumask');
  });

  it('the way back, no change, and a flag the new call keeps give none', () => {
    expect(findings(rule.meta.docs.bad, rule.meta.docs.good)).toEqual([]);
    expect(findings(rule.meta.docs.good, rule.meta.docs.good)).toEqual([]);
    expect(findings(slot(WITH_ROOT), slot('flush_mask(d->dirty_cpumask, FLUSH_ROOT_PGTBL | FLUSH_TLB | FLUSH_NO_ASSIST)'))).toEqual([]);
  });

  it('flags are compared by value: a macro of the same bits is silent, a macro without the flag is not', () => {
    const same = '#define FLUSH_SLOT (FLUSH_ROOT_PGTBL | FLUSH_TLB)';
    const less = '#define FLUSH_SLOT (FLUSH_TLB | FLUSH_ORDER(0))';
    expect(findings(slot(WITH_ROOT), slot('flush_mask(d->dirty_cpumask, FLUSH_SLOT)', '!rc', undefined, same))).toEqual([]);
    expect(findings(slot(WITH_ROOT), slot('flush_mask(d->dirty_cpumask, FLUSH_SLOT)', '!rc', undefined, less))).toHaveLength(1);
  });

  it('a flag the new flags may still carry (a choice the code makes at run time) is not reported as dropped', () => {
    expect(findings(slot(WITH_ROOT), slot('flush_mask(d->dirty_cpumask, FLUSH_TLB | (v->arch.pv.xpti ? FLUSH_ROOT_PGTBL : 0))'))).toEqual([]);
  });

  it('a flag the old call chose at run time (`c ? FLUSH_ROOT_PGTBL : 0`) and the new one never passes is reported', () => {
    const choice = 'flush_mask(d->dirty_cpumask, FLUSH_TLB | (v->arch.pv.xpti ? FLUSH_ROOT_PGTBL : 0))';
    const found = findings(slot(choice), slot(PLAIN));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/flush_tlb_mask no longer passes FLUSH_ROOT_PGTBL/);
    // Flags whose value the model cannot read (a parameter) say nothing about what was set.
    expect(findings(slot('flush_mask(d->dirty_cpumask, flags)'), slot(PLAIN))).toEqual([]);
  });

  it('each flag with work of its own is named; FLUSH_TLB_GLOBAL after a write of a global entry', () => {
    const update = '    int rc = 0;\n\n    l3e_write(pl3e, l3e_from_mfn(mfn, __PAGE_HYPERVISOR | _PAGE_GLOBAL));';
    const found = findings(slot('flush_mask(&cpu_online_map, FLUSH_TLB_GLOBAL | FLUSH_CACHE)', '!rc', update), slot('flush_mask(&cpu_online_map, FLUSH_TLB)', '!rc', update));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/no longer passes FLUSH_TLB_GLOBAL, FLUSH_CACHE after the page-table update `l3e_write\(/);
  });

  it('no page-table update above the flush: silent', () => {
    expect(findings(slot(WITH_ROOT, '!rc', '    int rc = 0;'), slot(PLAIN, '!rc', '    int rc = 0;'))).toEqual([]);
  });

  it('a narrowed guard of a flush after an update is FC006, not FC010; an equivalent one is neither', () => {
    expect(findings(slot(PLAIN), slot(PLAIN, '!rc && v->is_running'))).toEqual([]);
    const fc006 = findings(slot(PLAIN), slot(PLAIN, '!rc && v->is_running'), 'FC006');
    expect(fc006).toHaveLength(1);
    expect(fc006[0]).toMatch(/runs after the page-table update `mod_l4_entry\(pl4e, nl4e, mfn, 0, v\)` \(line 4\).*when rc is false, v->is_running is false/);
    expect(findings(slot(PLAIN), slot(PLAIN, 'rc == 0'), 'FC006')).toEqual([]);
    expect(findings(slot(PLAIN, '!(rc || v->is_running)'), slot(PLAIN, '!rc && !v->is_running'), 'FC006')).toEqual([]);
    // Not after an update, and no page-type change, allocation or deferral: the guard is the code's own business.
    expect(findings(slot(PLAIN, '!rc', '    int rc = 0;'), slot(PLAIN, '!rc && v->is_running', '    int rc = 0;'), 'FC006')).toEqual([]);
  });

  it('on Arm the flush has no flags: no finding for Arm, and the model records none', () => {
    const run = reviewText('p.patch', rewrite('xen/arch/x86/pv/fc010.c', rule.meta.docs.good, rule.meta.docs.bad));
    expect(run.findings.filter((f) => f.ruleId === 'FC010' && f.arch !== 'x86')).toEqual([]);
    const removed = run.sites.find((s) => s.change === 'removed' && s.kind === 'call')!;
    expect(removed.arch?.x86?.flagsWithWork).toEqual({ always: ['FLUSH_ROOT_PGTBL'], some: ['FLUSH_ROOT_PGTBL'], maybe: ['FLUSH_ROOT_PGTBL'] });
    expect(removed.arch?.arm?.flagsWithWork).toBeUndefined();
    expect(removed.pageTableUpdates?.map((u) => u.line)).toEqual([4]);
  });
});

describe('FC010 on a flush removed outright', () => {
  it('a removed flush that carried the flag, beside a plain flush that stays after the update, is reported on the one that stays', () => {
    const before = slot(`{ ${PLAIN}; ${WITH_ROOT.replace('FLUSH_TLB | ', '')}; }`);
    const found = findings(before, slot(PLAIN));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/the patch removes `flush_mask\(d->dirty_cpumask, FLUSH_ROOT_PGTBL\)`, which passed FLUSH_ROOT_PGTBL after the page-table update `mod_l4_entry/);
  });

  it('no flush left after the update: not a weakened flush (nothing to report it on)', () => {
    expect(findings(slot(WITH_ROOT), slot('(void)d', '!rc'))).toEqual([]);
  });
});
