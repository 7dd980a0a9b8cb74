import type { CallFact, EvidenceStep, Site } from '../types.js';
import { updatesPageTable } from '../xen/page-table-updates.js';
import type { CallGraph } from './call-graph.js';

/**
 * The page-table updates (xen/page-table-updates.ts) a flush call's own
 * function makes above the call, on the call's side: what the flush makes
 * visible to the other CPUs. Read in line order within the definition that
 * holds the call; an update in a caller, or below the call in a loop, is not
 * seen. `write_atomic()` counts when what it writes is named as an entry.
 */

/** `write_atomic(&pl1e->l1, …)`, `write_atomic(pl2e, …)`: a generic atomic store to an entry. */
const ENTRY_TARGET = /\bp?l[1-4]e\b|\bpl[1-4]t?\b|l[1-4]_pgentry/;

const isUpdate = (call: CallFact): boolean => updatesPageTable(call.callee) || (/(?:^|_)write_atomic$/.test(call.callee) && ENTRY_TARGET.test(call.args[0] ?? ''));

export function pageTableUpdatesBefore(site: Site, graph: CallGraph): EvidenceStep[] | undefined {
  if (site.kind !== 'call' || !site.function) return undefined;
  const fn = site.function;
  const own = graph.definitions(fn).find((d) => d.file === site.file && d.line <= site.line && (d.endLine === 0 || site.line <= d.endLine));
  const first = own?.line ?? 0;
  const steps = graph
    .callees(fn)
    .filter((c) => c.file === site.file && c.line >= first && c.line > 0 && c.line < site.line && isUpdate(c))
    .map((c) => ({ file: c.file, line: c.line, function: fn, message: `page-table update: ${c.text}` }));
  return steps.length ? steps : undefined;
}
