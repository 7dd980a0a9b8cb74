import { ARCHES, type ArchResult, type PatchAnalysis, type Site } from '../types.js';
import { archOfPath } from '../model/database.js';
import { pageTypeTable } from '../classify/page-types.js';
import { simulateIrqOff } from './irq-off.js';
import { DEFAULT_CPUS, guestTablesShared, judgeSite } from './verdict.js';
import { withFields } from '../util/with-fields.js';

/**
 * Pipeline stage: for every call site the model and the classifier have described, each
 * architecture with a mechanism gets a verdict and the simulation behind it. Sites
 * without `arch` or `classes` (those stages absent, or nothing found) pass unchanged.
 */
export function simulateStage(analysis: PatchAnalysis): Site[] {
  const pageTypes = pageTypeTable(analysis.base);
  return analysis.sites.map((site) => {
    if (site.kind !== 'call' || !site.arch || !site.classes?.length) return site;
    const arch: Partial<Record<(typeof ARCHES)[number], ArchResult>> = {};
    for (const a of ARCHES) {
      const model = site.arch[a];
      if (!model) continue;
      const owner = archOfPath(site.file);
      if (owner !== 'common' && owner !== a) {
        // Code of one port is never built for another: nothing to simulate there.
        arch[a] = withFields(model, { verdict: 'not-applicable' as const, notes: [...(model.notes ?? []), `${site.file} belongs to the ${owner} port and is not built for ${a}`] });
        continue;
      }
      const judged = judgeSite(site, a, model, { cpus: DEFAULT_CPUS, config: analysis.options.config, pageTypes });
      const irqOff = site.irqOff ? simulateIrqOff(a, model, DEFAULT_CPUS, guestTablesShared(analysis.options.config)) : undefined;
      arch[a] = withFields(model, { ...(judged ? { verdict: judged.verdict, sim: judged.sim } : {}), ...(irqOff ? { irqOff } : {}) });
    }
    return { ...site, arch };
  });
}
