import { describe, expect, it } from 'vitest';
import { RULES } from '../../src/rules/index.js';
import { reviewText } from '../report/fixture-run.js';
import { rewrite } from '../helpers/rewrite.js';

const rule = RULES.find((r) => r.meta.id === 'FC009')!;
const fc009 = (before: string, after: string) => reviewText('p.patch', rewrite('xen/common/fc009.c', before, after)).findings.filter((f) => f.ruleId === 'FC009');

const fn = (...body: string[]): string => ['static void drop_table(struct domain *d, struct page_info *pg, bool scrub)', '{', ...body.map((l) => `    ${l}`), '}'].join('\n');

describe('FC009 free-before-flush', () => {
  it('its docs: the patch from the good example to the bad one gives exactly one error, at the free, naming the page and the flush it lost, with the replay', () => {
    const found = fc009(rule.meta.docs.good, rule.meta.docs.bad);
    expect(found).toHaveLength(1);
    expect(found[0]!.severity).toBe('error');
    expect(found[0]!.trace?.at(-1)?.action).toMatch(/next owner takes F .* before the flush/);
    expect(found[0]!.line).toBe(4);
    expect(found[0]!.message).toMatch(/^free_xen_pagetable hands back page_to_mfn\(pg\) \(back to the allocator\), and after the patch every path .* drop_table .*flush_tlb_mask, old line 4/);
    expect(found[0]!.related.map((r) => r.message)).toEqual([
      'before the patch: flushed before the release: flush_tlb_mask(d->dirty_cpumask)',
      'releases the page with no flush on this path: free_xen_pagetable(page_to_mfn(pg))',
    ]);
  });

  it('the way back, no change and a rename give none', () => {
    expect(fc009(rule.meta.docs.bad, rule.meta.docs.good)).toEqual([]);
    expect(fc009(rule.meta.docs.good, rule.meta.docs.good)).toEqual([]);
    expect(fc009(rule.meta.docs.good, rule.meta.docs.good.replaceAll('pg', 'frame'))).toEqual([]);
  });

  it('a flush made conditional leaves a path: every → some, and the path names the branch', () => {
    const found = fc009(fn('flush_tlb_mask(d->dirty_cpumask);', 'free_domheap_page(pg);'), fn('if ( scrub )', '    flush_tlb_mask(d->dirty_cpumask);', 'free_domheap_page(pg);'));
    expect(found).toHaveLength(1);
    // Only some paths lost the flush (that path may be infeasible): no replay, a warning.
    expect(found[0]!.severity).toBe('warning');
    expect(found[0]!.trace).toBeUndefined();
    expect(found[0]!.message).toMatch(/after the patch a path .* before the patch every path passed a flush/);
    expect(found[0]!.related.map((r) => r.message)).toContain('if ( scrub ) → false');
  });

  it('a flush that only some paths had, removed: some → none', () => {
    const found = fc009(fn('if ( scrub )', '    flush_tlb_mask(d->dirty_cpumask);', 'put_page(pg);'), fn('put_page(pg);'));
    expect(found.map((f) => f.message)).toEqual([
      expect.stringMatching(/^put_page hands back pg \(a reference dropped, possibly the last\), and after the patch every path .* before the patch some path passed a flush/),
    ]);
  });

  it('an earlier flush still in front of the release, or a flush on a path without it, keeps it silent', () => {
    expect(
      fc009(
        fn('flush_tlb_mask(d->dirty_cpumask);', 'if ( scrub )', '    flush_tlb_mask(d->dirty_cpumask);', 'free_domheap_page(pg);'),
        fn('flush_tlb_mask(d->dirty_cpumask);', 'free_domheap_page(pg);'),
      ),
    ).toEqual([]);
    expect(fc009(fn('if ( scrub )', '{', '    flush_tlb_mask(d->dirty_cpumask);', '    return;', '}', 'free_domheap_page(pg);'), fn('if ( scrub )', '    return;', 'free_domheap_page(pg);'))).toEqual(
      [],
    );
  });

  it('p2m: the deferred-flush sync dropped before p2m_free_ptp() is the deferred message; an IOTLB flush counts as a flush', () => {
    const p2m = (...body: string[]): string => ['static void drop_subtable(struct p2m_domain *p2m, struct page_info *pg)', '{', ...body.map((l) => `    ${l}`), '}'].join('\n');
    const found = fc009(p2m('p2m_tlb_flush_sync(p2m);', 'p2m_free_ptp(p2m, pg);'), p2m('p2m_free_ptp(p2m, pg);'));
    expect(found.map((f) => f.messageId)).toEqual(['deferred']);
    expect(found[0]!.message).toMatch(/^p2m_free_ptp hands back pg \(back to its pool, to be handed out again\) while the p2m flush may be deferred/);
    const iommu = (...body: string[]): string => ['static void drop_iommu_table(struct domain *d, struct page_info *pg)', '{', ...body.map((l) => `    ${l}`), '}'].join('\n');
    expect(fc009(iommu('iommu_iotlb_flush_all(d, IOMMU_FLUSHF_modified);', 'iommu_free_pgtable(d, pg);'), iommu('iommu_free_pgtable(d, pg);')).map((f) => f.data.page)).toEqual(['pg']);
  });

  it('a loop whose flush moves out of it: the release inside is reached with no flush on any path', () => {
    const loop = (inside: string[], after: string[]): string => fn('while ( (pg = page_list_remove_head(&d->arch.tables)) != NULL )', '{', ...inside.map((l) => `    ${l}`), '}', ...after);
    const found = fc009(
      loop(['unlink_table(d, pg);', 'flush_tlb_mask(d->dirty_cpumask);', 'free_domheap_page(pg);'], []),
      loop(['unlink_table(d, pg);', 'free_domheap_page(pg);'], ['flush_tlb_mask(d->dirty_cpumask);']),
    );
    expect(found).toHaveLength(1);
    expect(found[0]!.message).toMatch(/after the patch every path/);
  });
});
