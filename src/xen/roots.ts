import type { RootClass } from '../types.js';

/**
 * Xen's own root functions, by class, for when their bodies are not in view
 * (a hunk shows part of a function and no --tree is given). With the body in
 * view the classifier finds roots from the code instead (src/classify/roots.ts).
 */
export const BUILTIN_ROOTS: Readonly<Record<RootClass, readonly string[]>> = {
  'page-type-change': ['_get_page_type'],
  allocation: ['alloc_heap_pages', 'acquire_staticmem_pages'],
  'deferred-allocation-flush': ['populate_physmap'],
};

/** Why each class's built-in roots are roots, as a reviewer reads it. */
export const BUILTIN_ROOT_REASON: Readonly<Record<RootClass, string>> = {
  'page-type-change': "changes a page's type_info under PGT_type_mask",
  allocation: 'reuses freed pages and owes their TLB flush',
  'deferred-allocation-flush': 'sets MEMF_no_tlbflush and owes the flush alloc_heap_pages skipped',
};
