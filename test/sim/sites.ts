import type { Evidence, FlushModel, Site, SiteClass } from '../../src/types.js';

/** Hand-built sites shaped like the seed thread's once the model and classify stages ran. */
export const PAGE_TABLE_TEST = '(x & PGT_type_mask) && (x & PGT_type_mask) <= PGT_root_page_table';

export function site(over: Partial<Site> & { api: string; file: string; line: number }): Site {
  return {
    id: `p0:${over.file}:new:${over.line}:9:${over.api}`,
    patch: 0,
    column: 9,
    side: 'new',
    change: 'added',
    function: null,
    kind: 'call',
    text: `${over.api}(...)`,
    guards: [],
    ...over,
  };
}

export const evidence = (cls: SiteClass, conditions?: string[]): Evidence => ({
  class: cls,
  steps: [{ file: 'xen/arch/x86/mm.c', line: 2900, function: '_get_page_type', message: 'flush' }],
  ...(conditions ? { conditions } : {}),
});

const model = (mechanism: FlushModel['mechanism'], extra: Partial<FlushModel> = {}): FlushModel => ({ mechanism, source: 'built-in', ...extra });

export const memoryC = site({
  api: 'filtered_flush_tlb_mask',
  file: 'xen/common/memory.c',
  line: 281,
  function: 'populate_physmap',
  args: ['tlbflush_timestamp', 'false'],
  classes: ['deferred-allocation-flush'],
  evidence: [evidence('deferred-allocation-flush')],
  arch: { x86: model('assisted-possible'), arm: model('broadcast') },
});

export const pageAllocC = site({
  api: 'filtered_flush_tlb_mask',
  file: 'xen/common/page_alloc.c',
  line: 1063,
  function: 'alloc_heap_pages',
  args: ['tlbflush_timestamp', 'true'],
  classes: ['allocation'],
  evidence: [evidence('allocation')],
  arch: { x86: model('forced-ipi'), arm: model('broadcast') },
});

export const getPageTypeSync = site({
  api: 'flush_tlb_mask_sync',
  file: 'xen/arch/x86/mm.c',
  line: 2905,
  function: '_get_page_type',
  guards: [PAGE_TABLE_TEST],
  classes: ['page-type-change'],
  evidence: [evidence('page-type-change', [PAGE_TABLE_TEST])],
  arch: { x86: model('forced-ipi') },
});

export const getPageTypeElse = site({
  api: 'flush_tlb_mask',
  file: 'xen/arch/x86/mm.c',
  line: 2907,
  function: '_get_page_type',
  guards: [`!(${PAGE_TABLE_TEST})`],
  classes: ['other'],
  evidence: [evidence('other', [`!(${PAGE_TABLE_TEST})`])],
  arch: { x86: model('assisted-possible') },
});

export { model };
