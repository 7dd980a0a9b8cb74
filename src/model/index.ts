import { FREE, type PatchAnalysis, type Site, type Stage } from '../types.js';
import { isFlagsValue, valuesAtSite } from './def-use.js';
import { PatchModel } from './patch-model.js';
import { treeSites } from './tree-sites.js';
import { appendAll } from '../util/append.js';
import { SHARED_TEXT } from '../util/shared-text.js';
import { withFields } from '../util/with-fields.js';

export { assistedModelSource } from './patch-model.js';

/** Sites modelled between two turns of the event loop (see Stage). */
const SITES_PER_STEP = 256;

/**
 * The flush model stage: for every call site and architecture, what the
 * remote flush is (IPI, assisted, forced, conditional, broadcast, firmware),
 * derived from the definitions in view. With a tree, it also lists the calls
 * the patch does not touch whose mechanism its definition changes alter.
 */
export const modelStage: Stage = function* (analysis) {
  const model = new PatchModel(analysis);
  const shared = analysis.run.get(SHARED_TEXT);
  const sites: Site[] = [];
  for (const site of analysis.sites) {
    // Shared as made: thousands of sites of one shape carry equal notes, built anew for each.
    sites.push(site.kind === 'call' ? shared.share(withFields(site, { arch: { ...site.arch, ...model.forCall(argumentsRead(site, analysis)) } })) : site);
    // Modelling a call makes syntax nodes, whose native memory Node frees only from the event loop.
    if (sites.length % SITES_PER_STEP === 0) yield FREE;
  }
  appendAll(sites, treeSites(model, sites));
  model.remember();
  return sites;
};

/**
 * The call with each flags or boolean argument read through the local variable
 * that holds it (def-use): `flush_mask(m, flags)` after `flags = FLUSH_TLB;
 * if ( pt ) flags |= FLUSH_NO_ASSIST;` is modelled as `pt ? … : …`, not unknown.
 */
function argumentsRead(site: Site, analysis: PatchAnalysis): Site {
  const values = valuesAtSite(site, analysis.collected);
  if (!values || !site.args || values.args.length !== site.args.length) return site;
  // Only a variable handed over is read through: an expression written at the call says what it means.
  const args = site.args.map((a, i) => (/^[A-Za-z_]\w*$/.test(a) && values.args[i] !== a && isFlagsValue(values.args[i]!) ? values.args[i]! : a));
  return args.some((a, i) => a !== site.args![i]) ? { ...site, args } : site;
}
