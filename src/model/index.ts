import type { Site, Stage } from '../types.js';
import { PatchModel } from './patch-model.js';
import { treeSites } from './tree-sites.js';
import { appendAll } from '../util/append.js';

export { assistedModelSource } from './patch-model.js';

/**
 * The flush model stage: for every call site and architecture, what the
 * remote flush is (IPI, assisted, forced, conditional, broadcast, firmware),
 * derived from the definitions in view. With a tree, it also lists the calls
 * the patch does not touch whose mechanism its definition changes alter.
 */
export const modelStage: Stage = (analysis) => {
  const model = new PatchModel(analysis);
  const sites: Site[] = analysis.sites.map((site) => (site.kind === 'call' ? { ...site, arch: { ...site.arch, ...model.forCall(site) } } : site));
  appendAll(sites, treeSites(model, sites));
  model.remember();
  return sites;
};
