import { describe, expect, it } from 'vitest';
import { PAGE_RELEASES, pageReleaseOf } from '../../src/xen/page-release.js';

describe('page releases', () => {
  it('knows the allocator, pool and reference paths by name', () => {
    expect(pageReleaseOf('free_domheap_page')?.kind).toBe('free');
    expect(pageReleaseOf('p2m_free_ptp')).toEqual({ name: 'p2m_free_ptp', kind: 'pool', pageArg: 1 });
    expect(pageReleaseOf('put_page_and_type')?.kind).toBe('put');
    expect(['p2m_free_page', 'hap_free', 'shadow_free', 'p2m_pod_cache_add'].map((n) => pageReleaseOf(n)?.kind)).toEqual(['pool', 'pool', 'pool', 'pool']);
    expect(pageReleaseOf('flush_tlb_mask')).toBeUndefined();
  });

  it('names each release once', () => {
    const names = PAGE_RELEASES.map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
  });
});
