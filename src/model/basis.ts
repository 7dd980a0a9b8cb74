import type { Arch, ModelBasis, PatchEra, Site } from '../types.js';
import { eraById } from '../xen/eras.js';
import { archOfPath } from './database.js';

/**
 * What a run's flush model rests on, in one place for every command and
 * format: mechanisms read from code in view (the patch, the tree's headers)
 * or taken from built-in knowledge of Xen, and which parts.
 */
export function modelBasis(sites: readonly Site[], tree: string | undefined, assistedModel: string | undefined, eras: readonly (PatchEra | undefined)[] = []): ModelBasis {
  const builtIn = new Set<string>();
  let fromCode = false;
  for (const site of sites) {
    const port = archOfPath(site.file);
    for (const [arch, result] of Object.entries(site.arch ?? {}) as [Arch, NonNullable<Site['arch']>[Arch]][]) {
      // Another port's file is not built for this architecture: its column rests on nothing.
      if (!result || result.mechanism === 'none' || (port !== 'common' && port !== arch)) continue;
      for (const name of result.builtIn ?? []) builtIn.add(`${arch}: ${name}`);
      if (result.source !== 'built-in') fromCode = true;
    }
  }
  const parts = [...builtIn].sort();
  const from: ModelBasis['from'] = parts.length === 0 ? 'code' : fromCode ? 'code+built-in' : 'built-in';
  const where = tree ? `the tree ${tree}` : "the patch (no --tree: the tree's headers were not read)";
  const assisted = assistedModel && assistedModel !== 'built-in' ? `; x86 assisted path: ${assistedModel}` : assistedModel === 'built-in' ? '; x86 assisted path: built-in' : '';
  const shown = parts.length > 6 ? [...parts.slice(0, 6), `${parts.length - 6} more`] : parts;
  // Without a tree, the era built-in knowledge was taken for (one per distinct placement).
  const placed = [...new Set(eras.filter((e): e is PatchEra => !!e).map((e) => `${eraById(e.era).name}, ${e.from === 'assumed' ? 'assumed' : 'placed'}: ${e.reason}`))];
  const era = placed.length ? `; Xen era: ${placed.slice(0, 3).join('; ')}${placed.length > 3 ? `; ${placed.length - 3} more` : ''}` : '';
  const summary = `model: read from ${where}${assisted}${parts.length ? `; built-in knowledge of Xen for ${shown.join(', ')}` : ''}${era}`;
  return { from, ...(parts.length ? { builtIn: parts } : {}), summary };
}
