import { ARCHES, type Arch, type ArchResult, type RunResult, type Site, type Verdict } from '../types.js';

/**
 * Every (call site, architecture) pair whose simulation gave `verdict`, that a
 * reviewer should be shown. Removed code is judged too (explain shows it), but
 * only code the patch leaves is reported. A flush inside a helper whose every
 * chain runs through a caller already reported for the same reason is left to
 * that caller: the caller passing the wrong value is the bug (the seed's
 * `filtered_flush_tlb_mask(ts, false)`), not the helper that obeys it.
 */
export function sitesWithVerdict(run: RunResult, verdict: Verdict): { site: Site; arch: Arch; result: ArchResult }[] {
  const callsAt = new Map<string, Site[]>();
  for (const site of run.sites) {
    if (site.kind !== 'call' || site.change === 'removed') continue;
    const key = `${site.file}:${site.line}`;
    callsAt.set(key, [...(callsAt.get(key) ?? []), site]);
  }
  const out: { site: Site; arch: Arch; result: ArchResult }[] = [];
  for (const site of run.sites) {
    if (site.kind !== 'call' || !site.arch || site.change === 'removed') continue;
    // The run's architectures, and a port whose column the site gained (its files touched, its headers in view).
    for (const arch of ARCHES.filter((a) => run.settings.arches.includes(a) || site.arch?.[a] !== undefined)) {
      const result = site.arch[arch];
      if (result?.verdict !== verdict) continue;
      if (reportedAtCaller(site, arch, verdict, callsAt)) continue;
      out.push({ site, arch, result });
    }
  }
  return out;
}

function reportedAtCaller(site: Site, arch: Arch, verdict: Verdict, callsAt: ReadonlyMap<string, Site[]>): boolean {
  const chains = (site.evidence ?? []).filter((e) => e.class !== 'other');
  if (chains.length === 0) return false;
  return chains.every((chain) =>
    chain.steps.slice(0, -1).some((step) => (callsAt.get(`${step.file}:${step.line}`) ?? []).some((caller) => caller.id !== site.id && caller.arch?.[arch]?.verdict === verdict)),
  );
}

/** The classes of a site in words, for messages. */
export function classWords(site: Site): string {
  const classes = (site.classes ?? []).filter((c) => c !== 'other');
  return classes.length ? classes.join(', ') : 'other';
}
