import type { Arch, ExtraRoots, InputSource, Patch, PatchAnalysis, PatchForm, PatchMeta, RuleSetting, StageOptions, Result, RunInput, RunResult, Site, Suppression, ToolError } from './types.js';
import type { BaseTree } from './parser/base-tree.js';
import { readPatches } from './parser/read-input.js';
import { summarizeFiles } from './parser/hunk-summary.js';
import { readSuppressions } from './suppressions/read.js';
import { builtinFamily, collectAll, extendFamily, sitesOf, sortSites } from './sites/find-sites.js';
import { parsePatchImages } from './sites/patch-images.js';
import { treeHeaderDefinitions } from './sites/tree-helpers.js';
import type { Collected } from './sites/collect.js';
import { runRules } from './rules/index.js';
import { STAGES } from './stages.js';
import { TooDeepError } from './parser/c/tree-sitter.js';
import { assistedModelSource } from './model/index.js';
import { modelBasis } from './model/basis.js';
import { VERSION } from './version.js';

export interface ReviewInput {
  name: string;
  source: Result<InputSource>;
  /** The patch's base tree for this input (git commits carry their parent). */
  base?: BaseTree;
  /** Set when the caller knows better than detection (commits read with --git). */
  form?: PatchForm;
}

export interface ReviewOptions {
  arches: Arch[];
  config: Record<string, boolean>;
  /** `--tree DIR`: base of every input that has none of its own. */
  tree?: BaseTree;
  treeLabel?: string;
  /** From the configuration file: extra classification roots, severity overrides. */
  roots?: ExtraRoots;
  rules?: Record<string, RuleSetting>;
  configFile?: string;
}

/** Reading one input never loses the run: a defect of ours becomes that input's error. */
function readSafely(name: string, text: string, firstIndex: number, form?: PatchForm): ReturnType<typeof readPatches> {
  try {
    const read = readPatches(name, text, firstIndex);
    if (form && read.ok) {
      read.value.form = form;
      for (const patch of read.value.patches) patch.meta.form = form;
    }
    return read;
  } catch (error) {
    return { ok: false, error: { file: name, code: 'internal-error', message: `internal error while reading: ${(error as Error).message}` }, errors: [] };
  }
}

/** One patch through parse → sites → every stage. */
function analyzePatch(patch: Patch, base: BaseTree | undefined, family: Set<string>, options: StageOptions): Site[] {
  const collected: Collected[] = [];
  // Helpers the tree defines in headers the patch includes but leaves alone.
  if (base) extendFamily(treeHeaderDefinitions(patch, base, family), family);
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
 * The pipeline, in one direction: read → sites → stages → rules → result.
 * Inputs are independent: one that fails becomes an error entry, the others go on.
 * A generator so that a caller can yield to the event loop between patches (see reviewAsync).
 */
function* reviewSteps(inputs: readonly ReviewInput[], options: ReviewOptions): Generator<void, RunResult> {
  const runInputs: RunInput[] = [];
  const patches: PatchMeta[] = [];
  const sites: Site[] = [];
  const errors: ToolError[] = [];
  const suppressions: Suppression[] = [];
  const stageOptions: StageOptions = { arches: options.arches, config: options.config, ...(options.roots ? { roots: options.roots } : {}) };
  // The family grows through a series: a helper defined by patch 1 is a flush in patch 2.
  const family = builtinFamily();
  for (const input of inputs) {
    if (!input.source.ok) {
      errors.push(input.source.error);
      runInputs.push({ name: input.name, patches: 0, error: input.source.error });
      continue;
    }
    const read = readSafely(input.name, input.source.value.text, patches.length, input.form);
    errors.push(...read.errors);
    if (!read.ok) {
      errors.push(read.error);
      runInputs.push({ name: input.name, patches: 0, error: read.error });
      continue;
    }
    runInputs.push({ name: input.name, form: read.value.form, patches: read.value.patches.length, ...(read.errors[0] ? { error: read.errors[0] } : {}) });
    for (const patch of read.value.patches) {
      const meta: PatchMeta = { ...patch.meta };
      patches.push(meta);
      try {
        const found = analyzePatch(patch, input.base ?? options.tree, family, stageOptions);
        sites.push(...found);
        // The model stage places a patch reviewed without a tree in a Xen era.
        if (patch.meta.era) meta.era = patch.meta.era;
        meta.files = summarizeFiles(patch.files, (path, hunk) => found.some((s) => s.file === path && (s.side === 'new' ? s.line >= hunk.newStart && s.line < hunk.newStart + hunk.newLines : s.line >= hunk.oldStart && s.line < hunk.oldStart + hunk.oldLines)));
        suppressions.push(...readSuppressions(patch));
      } catch (error) {
        // A limit hit, or a defect of ours, on one patch must not lose the others' results.
        if (error instanceof TooDeepError) errors.push({ file: input.name, code: 'too-deep', message: `patch ${patch.meta.index + 1}: ${error.message}` });
        else errors.push({ file: input.name, code: 'internal-error', message: `internal error on patch ${patch.meta.index + 1}: ${(error as Error).message}` });
      }
      yield;
    }
  }
  const result: RunResult = {
    schemaVersion: 1,
    tool: { name: 'flushcheck', version: VERSION },
    settings: {
      arches: options.arches,
      config: options.config,
      ...(options.treeLabel ? { tree: options.treeLabel } : {}),
      ...(options.roots ? { roots: options.roots } : {}),
      ...(options.rules ? { rules: options.rules } : {}),
      ...(options.configFile ? { configFile: options.configFile } : {}),
      assistedModel: assistedModelSource(options.tree ?? inputs.find((i) => i.base)?.base, options.config),
    },
    inputs: runInputs,
    patches,
    sites: sortSites(sites),
    findings: [],
    errors,
    ...(suppressions.length ? { suppressions } : {}),
  };
  result.settings.model = modelBasis(result.sites, options.treeLabel ?? result.inputs.find((i) => i.form === 'git')?.name, result.settings.assistedModel, result.patches.map((p) => p.era));
  result.findings = runRules(result);
  return result;
}

/** The whole review at once. For small inputs and tests. */
export function review(inputs: readonly ReviewInput[], options: ReviewOptions): RunResult {
  const steps = reviewSteps(inputs, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * The review, yielding to the event loop between patches. Tree-sitter trees
 * live in native memory freed by N-API finalizers, which Node runs from the
 * event loop: a long synchronous run never frees one (100k hunk parses held
 * 550 MiB; yielding keeps it under 100 MiB).
 */
export async function reviewAsync(inputs: readonly ReviewInput[], options: ReviewOptions): Promise<RunResult> {
  const steps = reviewSteps(inputs, options);
  for (let n = 1; ; n++) {
    const step = steps.next();
    if (step.done) {
      // Once more at the end: a caller that reviews in a loop of promises alone
      // (never a macrotask) would otherwise never free a tree.
      await yieldToEventLoop();
      return step.value;
    }
    if (n % 64 === 0) await yieldToEventLoop();
  }
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
