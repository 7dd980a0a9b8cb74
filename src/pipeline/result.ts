import type { BaseTreeReader, ExposedRelease, RunConfig, RunScope, PatchMeta, RunInput, RunResult, Site, Suppression, ToolError } from '../types.js';
import { applyBaseline } from '../baseline.js';
import { assistedModelSource } from '../model/index.js';
import { modelBasis } from '../model/basis.js';
import { runRules } from '../rules/index.js';
import { sortSites } from '../sites/find-sites.js';
import { VERSION } from '../version.js';
import type { RunOptions } from './options.js';

/** What the stages produced for a run, before rules. */
export interface RunParts {
  inputs: RunInput[];
  patches: PatchMeta[];
  sites: Site[];
  errors: ToolError[];
  suppressions?: Suppression[];
  /** Page releases left with fewer covering flushes (FC009). */
  exposedReleases?: ExposedRelease[];
  /** The tree the assisted-path model is read from, when the run has one. */
  base?: BaseTreeReader;
  /** Whether `--tree` holds the patches' preimages (tree-preimage.ts). */
  treeCheck?: Pick<RunConfig, 'treeMatchesPreimage' | 'treeMismatches'>;
}

/**
 * The end of every run, review or scan: the settings it ran with, the rules
 * (with the configuration's severities and the inline suppressions), then
 * the baseline. One place, so every command honours the same options.
 */
export function finishRun(parts: RunParts, options: RunOptions, run: RunScope): RunResult {
  const result: RunResult = {
    schemaVersion: 1,
    tool: { name: 'flushcheck', version: VERSION },
    settings: {
      arches: options.arches,
      config: options.config,
      ...(options.treeLabel ? { tree: options.treeLabel } : {}),
      ...parts.treeCheck,
      ...(options.roots ? { roots: options.roots } : {}),
      ...(options.rules ? { rules: options.rules } : {}),
      ...(options.configFile ? { configFile: options.configFile } : {}),
      assistedModel: assistedModelSource(run.tree(parts.base), options.config),
    },
    inputs: parts.inputs,
    patches: parts.patches,
    sites: sortSites(parts.sites),
    findings: [],
    errors: parts.errors,
    ...(parts.suppressions?.length ? { suppressions: parts.suppressions } : {}),
    ...(parts.exposedReleases?.length ? { exposedReleases: parts.exposedReleases } : {}),
  };
  result.settings.model = modelBasis(
    result.sites,
    options.treeLabel ?? result.inputs.find((i) => i.form === 'git')?.name,
    result.settings.assistedModel,
    result.patches.map((p) => p.era),
  );
  result.findings = runRules(result);
  return options.baseline ? applyBaseline(result, options.baseline.fingerprints, options.baseline.file) : result;
}
