import type { CallFact, Evidence, EvidenceStep, Site, SiteClass } from '../types.js';

/**
 * Evidence chains: the steps from a root to a site, each placed at a file and
 * line, and the order and identity of chains so the output is deterministic.
 */

export const CLASS_ORDER: readonly SiteClass[] = ['page-type-change', 'allocation', 'deferred-allocation-flush', 'other'];

/** How a chain passes through a call: the caller, the call as written, the label it sits under. */
export function callStep(call: CallFact, args: readonly string[]): EvidenceStep {
  const at = call.label ? ` at \`${call.label.name}:\` (line ${call.label.line})` : '';
  return { file: call.file, line: call.line, function: call.caller, message: `calls ${call.callee}(${args.join(', ')})${at}` };
}

/** The site itself, last in every chain. */
export function siteStep(site: Site, label: CallFact['label'] | undefined, verb: string): EvidenceStep {
  const at = label ? ` at \`${label.name}:\` (line ${label.line})` : '';
  return { file: site.file, line: site.line, function: site.function, message: `${verb}${at}: ${site.text}` };
}

const stepKey = (s: EvidenceStep): string => `${s.file}\u0000${String(s.line).padStart(9, '0')}\u0000${s.function ?? ''}\u0000${s.message}`;

export function evidenceKey(e: Evidence): string {
  return [e.class, e.steps.map(stepKey).join('\u0001'), (e.conditions ?? []).join('\u0001'), JSON.stringify(Object.entries(e.args ?? {}).sort())].join('\u0002');
}

/** Unique chains, in class order, then by their steps. */
export function sortEvidence(list: readonly Evidence[]): Evidence[] {
  const unique = new Map<string, Evidence>();
  for (const e of list) unique.set(evidenceKey(e), e);
  return [...unique.values()].sort((a, b) => CLASS_ORDER.indexOf(a.class) - CLASS_ORDER.indexOf(b.class) || (evidenceKey(a) < evidenceKey(b) ? -1 : evidenceKey(a) > evidenceKey(b) ? 1 : 0));
}

export function classesOf(evidence: readonly Evidence[]): SiteClass[] {
  const present = new Set(evidence.map((e) => e.class));
  return CLASS_ORDER.filter((c) => present.has(c));
}
