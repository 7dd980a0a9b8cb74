import type { Arch, ArchResult, RunResult, Site, Verdict } from '../types.js';

/** Every (call site, architecture) pair whose simulation gave `verdict`. Removed
 *  code is judged too (explain shows it), but only code the patch leaves is reported. */
export function sitesWithVerdict(run: RunResult, verdict: Verdict): { site: Site; arch: Arch; result: ArchResult }[] {
  const out: { site: Site; arch: Arch; result: ArchResult }[] = [];
  for (const site of run.sites) {
    if (site.kind !== 'call' || !site.arch || site.change === 'removed') continue;
    for (const arch of run.settings.arches) {
      const result = site.arch[arch];
      if (result?.verdict === verdict) out.push({ site, arch, result });
    }
  }
  return out;
}

/** The classes of a site in words, for messages. */
export function classWords(site: Site): string {
  const classes = (site.classes ?? []).filter((c) => c !== 'other');
  return classes.length ? classes.join(', ') : 'other';
}
