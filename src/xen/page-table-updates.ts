/**
 * Calls that write a page-table entry a CPU may hold a translation of (or
 * through): after one, a flush of the CPUs that may have used the old entry is
 * what makes the update visible to them. The flush-weakened rule (FC010) and the
 * changed-guard rule (FC006) read this list to tell a flush that follows an
 * update from one that does not. A new updater is one entry here.
 */

/** Exact names: the PV page-table update paths and Xen's own mapping updates. */
const UPDATERS: ReadonlySet<string> = new Set([
  'mod_l1_entry',
  'mod_l2_entry',
  'mod_l3_entry',
  'mod_l4_entry',
  'update_intpte',
  'UPDATE_ENTRY',
  'map_pages_to_xen',
  'modify_xen_mappings',
  'destroy_xen_mappings',
  'populate_pt_range',
]);

/** `l1e_write()`, `l4e_write_atomic()`, `pl3e_write()`-style entry writers. */
const ENTRY_WRITER = /^p?l[1-4]e_write(?:_atomic)?$/;

/** Whether a call of `name` updates a page-table entry. */
export const updatesPageTable = (name: string): boolean => UPDATERS.has(name) || ENTRY_WRITER.test(name);
