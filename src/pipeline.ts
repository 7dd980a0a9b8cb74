import type { Arch, InputSource, Patch, PatchAnalysis, PatchMeta, StageOptions, Result, RunInput, RunResult, Site, ToolError } from './types.js';
import type { BaseTree } from './parser/base-tree.js';
import { readPatches } from './parser/read-input.js';
import { builtinFamily, collectAll, extendFamily, sitesOf, sortSites } from './sites/find-sites.js';
import { parsePatchImages } from './sites/patch-images.js';
import type { Collected } from './sites/collect.js';
import { runRules } from './rules/index.js';
import { STAGES } from './stages.js';
import { assistedModelSource } from './model/index.js';
import { VERSION } from './version.js';

export interface ReviewInput {
  name: string;
  source: Result<InputSource>;
  /** The patch's base tree for this input (git commits carry their parent). */
  base?: BaseTree;
}

export interface ReviewOptions {
  arches: Arch[];
  config: Record<string, boolean>;
  /** `--tree DIR`: base of every input that has none of its own. */
  tree?: BaseTree;
  treeLabel?: string;
}

/** One patch through parse → sites → every stage. */
function analyzePatch(patch: Patch, base: BaseTree | undefined, family: Set<string>, options: StageOptions): Site[] {
  const collected: Collected[] = [];
  parsePatchImages(patch, base, family, (images) => {
    collected.push(...collectAll(images));
    extendFamily(collected.flatMap((c) => c.definitions), family);
  });
  const analysis: PatchAnalysis = { patch, collected, sites: sitesOf(patch.meta.index, collected, family), family, options, ...(base ? { base } : {}) };
  for (const stage of STAGES) analysis.sites = stage(analysis);
  return analysis.sites;
}

export const DEFAULT_CONFIG: Record<string, boolean> = { CONFIG_PV: true, CONFIG_SHADOW_PAGING: true, CONFIG_HVM: true };
export const DEFAULT_ARCHES: Arch[] = ['x86', 'arm'];

/**
 * The pipeline, in one direction: read → parse → sites → rules → result.
 * Inputs are independent: one that fails becomes an error entry, the others go on.
 */
export function review(inputs: readonly ReviewInput[], options: ReviewOptions): RunResult {
  const runInputs: RunInput[] = [];
  const patches: PatchMeta[] = [];
  const sites: Site[] = [];
  const errors: ToolError[] = [];
  // The family grows through a series: a helper defined by patch 1 is a flush in patch 2.
  const family = builtinFamily();
  for (const input of inputs) {
    if (!input.source.ok) {
      errors.push(input.source.error);
      runInputs.push({ name: input.name, patches: 0, error: input.source.error });
      continue;
    }
    const read = readPatches(input.name, input.source.value.text, patches.length);
    errors.push(...read.errors);
    if (!read.ok) {
      errors.push(read.error);
      runInputs.push({ name: input.name, patches: 0, error: read.error });
      continue;
    }
    runInputs.push({ name: input.name, form: read.value.form, patches: read.value.patches.length, ...(read.errors[0] ? { error: read.errors[0] } : {}) });
    for (const patch of read.value.patches) {
      patches.push(patch.meta);
      try {
        sites.push(...analyzePatch(patch, input.base ?? options.tree, family, { arches: options.arches, config: options.config }));
      } catch (error) {
        // A defect of ours on one patch must not lose the others' results.
        errors.push({ file: input.name, code: 'internal-error', message: `internal error on patch ${patch.meta.index + 1}: ${(error as Error).message}` });
      }
    }
  }
  const result: RunResult = {
    schemaVersion: 1,
    tool: { name: 'flushcheck', version: VERSION },
    settings: {
      arches: options.arches,
      config: options.config,
      ...(options.treeLabel ? { tree: options.treeLabel } : {}),
      assistedModel: assistedModelSource(options.tree ?? inputs.find((i) => i.base)?.base, options.config),
    },
    inputs: runInputs,
    patches,
    sites: sortSites(sites),
    findings: [],
    errors,
  };
  result.findings = runRules(result);
  return result;
}
