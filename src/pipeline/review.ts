import type { Collected, Patch, PatchAnalysis, PatchForm, PatchMeta, InputSource, Result, RunInput, Site, Suppression, ToolError, RunResult, BaseTreeReader, StageOptions } from '../types.js';
import type { Arch, ExposedRelease, SimResult } from '../types.js';
import { readPatches } from '../parser/read-input.js';
import { hunkHoldsSite, summarizeFiles } from '../parser/hunk-summary.js';
import { readSuppressions } from '../suppressions/read.js';
import { exposedReleases } from '../classify/free-before-flush.js';
import { simulateReleaseOrder } from '../sim/release-order.js';
import { DEFAULT_CPUS } from '../sim/verdict.js';
import { builtinFamily, callsTheStagesRead, collectAll, extendFamily, imagesOf, sitesOf } from '../sites/find-sites.js';
import { parsePatchImages } from '../sites/patch-images.js';
import { treeHeaderDefinitions } from '../sites/tree-helpers.js';
import { TooDeepError } from '../parser/c/tree-sitter.js';
import { C_FILE, prefetchTreeCorpus } from '../parser/tree-corpus.js';
import { mayContainSite } from '../xen/flush-api.js';
import { RunContext } from '../util/run-context.js';
import { SHARED_TEXT } from '../util/shared-text.js';
import { stageOptions, type RunOptions } from './options.js';
import { finishRun } from './result.js';
import { FREE, stageSteps } from './stages.js';
import { PreimageCheck } from './tree-preimage.js';

export interface ReviewInput {
  name: string;
  source: Result<InputSource>;
  /** The patch's base tree for this input (git commits carry their parent). */
  base?: BaseTreeReader;
  /** Set when the caller knows better than detection (commits read with --git). */
  form?: PatchForm;
}

const RELEASED: Patch = { meta: { index: -1, source: '', form: 'unified-diff' }, files: [] };

/** Reading one input never loses the run: a defect of ours becomes that input's error. */
function readSafely(name: string, source: InputSource, firstIndex: number, form?: PatchForm): ReturnType<typeof readPatches> {
  try {
    const read = readPatches(name, source.text, firstIndex, source.mail);
    if (form && read.ok) {
      read.value.form = form;
      for (const patch of read.value.patches) patch.meta.form = form;
    }
    return read;
  } catch (error) {
    return { ok: false, error: { file: name, code: 'internal-error', message: `internal error while reading: ${(error as Error).message}` }, errors: [] };
  }
}

/** Whether a C file's hunk names the flush family or its flags: the first such line ends the look. */
function mayHoldSites(patch: Patch, family: ReadonlySet<string>): boolean {
  return patch.files.some((file) => C_FILE.test(file.newPath ?? file.oldPath ?? '') && file.hunks.some((hunk) => hunk.lines.some((line) => mayContainSite(line.text, family))));
}

/** One patch through parse → sites → every stage; yields between parses (see parsePatchImages). */
function* analyzePatch(patch: Patch, base: BaseTreeReader | undefined, family: Set<string>, options: StageOptions, run: RunContext): Generator<unknown, Site[]> {
  // A hunk that may hold a site means a search of the tree: its read starts now, in a worker.
  if (base && mayHoldSites(patch, family)) prefetchTreeCorpus(base);
  // Helpers the tree defines in headers the patch includes but leaves alone.
  if (base) extendFamily(treeHeaderDefinitions(patch, base, family), family);
  // Not kept in a variable: a generator holds its variables to its end, and the stages need only part of it.
  const analysis = analysisOf(patch, yield* collectPatch(patch, base, family), family, options, run, base);
  // Sites found through a helper the patch or its headers define: the read starts here.
  if (base && analysis.sites.length > 0) prefetchTreeCorpus(base);
  return yield* stageSteps(analysis);
}

/** The patch's images parsed and their records collected; the family grows by the helpers they define. */
function* collectPatch(patch: Patch, base: BaseTreeReader | undefined, family: Set<string>): Generator<unknown, Collected[]> {
  const collected: Collected[] = [];
  yield* parsePatchImages(patch, base, family, (images) => {
    for (const c of collectAll(images)) collected.push(c);
    extendFamily(
      collected.flatMap((c) => c.definitions),
      family,
    );
  });
  return collected;
}

/** The sites, and of the records what the stages read (callsTheStagesRead). */
function analysisOf(patch: Patch, collected: Collected[], family: Set<string>, options: StageOptions, run: RunContext, base: BaseTreeReader | undefined): PatchAnalysis {
  const sites = sitesOf(patch.meta.index, collected, family);
  return { patch, collected: callsTheStagesRead(collected, family), images: imagesOf(collected), sites, family, options, run, ...(base ? { base } : {}) };
}

/**
 * A review: read → sites → stages, patch by patch, then the rules (see result.ts).
 * Inputs are independent: one that fails becomes an error entry, the others go on.
 * A generator so that a caller can yield to the event loop between patches (see reviewAsync).
 */
function* reviewSteps(inputs: readonly ReviewInput[], options: RunOptions): Generator<unknown, RunResult> {
  const run = new RunContext();
  const runInputs: RunInput[] = [];
  const patches: PatchMeta[] = [];
  const sites: Site[] = [];
  const errors: ToolError[] = [];
  const suppressions: Suppression[] = [];
  const exposed: ExposedRelease[] = [];
  const stages = stageOptions(options);
  // The family grows through a series: a helper defined by patch 1 is a flush in patch 2.
  const family = builtinFamily();
  // What is kept to the run's end shares its repeated text (util/shared-text.ts).
  const shared = run.get(SHARED_TEXT);
  const preimages = options.tree ? new PreimageCheck(run.tree(options.tree)) : undefined;
  for (const input of inputs) {
    if (!input.source.ok) {
      errors.push(input.source.error);
      runInputs.push({ name: input.name, patches: 0, error: input.source.error });
      continue;
    }
    const read = readSafely(input.name, input.source.value, patches.length, input.form);
    for (const e of read.errors) errors.push(e);
    if (!read.ok) {
      errors.push(read.error);
      runInputs.push({ name: input.name, patches: 0, error: read.error });
      continue;
    }
    runInputs.push({ name: input.name, form: read.value.form, patches: read.value.patches.length, ...(read.errors[0] ? { error: read.errors[0] } : {}) });
    // Each patch is let go once reviewed: a series does not hold every patch's hunks to its end.
    const queue = read.value.patches;
    for (let i = 0; i < queue.length; i++) {
      const patch = queue[i]!;
      queue[i] = RELEASED;
      const meta: PatchMeta = { ...patch.meta };
      patches.push(meta);
      if (!input.base) preimages?.add(patch);
      try {
        const tree = run.tree(input.base ?? options.tree);
        const found = yield* analyzePatch(patch, tree, family, stages, run);
        // Their text is shared already: stageSteps shares each stage's sites.
        for (const s of found) sites.push(s);
        // Before and after the patch, function by function: not a site's business (FC009).
        for (const e of yield* releasesFileByFile(patch, tree, family)) exposed.push(shared.share(replayed(e, options)));
        // The model stage places a patch reviewed without a tree in a Xen era.
        if (patch.meta.era) meta.era = patch.meta.era;
        meta.files = summarizeFiles(patch.files, hunkHoldsSite(found));
        for (const s of readSuppressions(patch)) suppressions.push(s);
      } catch (error) {
        // A limit hit, or a defect of ours, on one patch must not lose the others' results.
        if (error instanceof TooDeepError) errors.push({ file: input.name, code: 'too-deep', message: `patch ${patch.meta.index + 1}: ${error.message}` });
        else errors.push({ file: input.name, code: 'internal-error', message: `internal error on patch ${patch.meta.index + 1}: ${(error as Error).message}` });
      }
      yield;
    }
  }
  const base = options.tree ?? inputs.find((i) => i.base)?.base;
  const treeCheck = preimages?.result();
  return finishRun({ inputs: runInputs, patches, sites, errors, suppressions, exposedReleases: exposed, ...(base ? { base } : {}), ...(treeCheck ? { treeCheck } : {}) }, options, run);
}

/**
 * exposedReleases file by file, yielding between files so that the trees it
 * parses for one file can be freed before the next (see reviewAsync); the
 * same order as one call, whose comparison this is.
 */
function* releasesFileByFile(patch: Patch, tree: BaseTreeReader | undefined, family: ReadonlySet<string>): Generator<unknown, ExposedRelease[]> {
  const out: ExposedRelease[] = [];
  for (const file of patch.files) {
    for (const e of exposedReleases({ ...patch, files: [file] }, tree, family)) out.push(e);
    yield FREE;
  }
  return out.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || (a.api < b.api ? -1 : a.api > b.api ? 1 : 0)));
}

// The replay depends only on the architecture: once per process.
const replays = new Map<string, SimResult>();
function releaseReplay(arch: Arch): SimResult {
  let result = replays.get(arch);
  if (!result) {
    result = simulateReleaseOrder(arch, DEFAULT_CPUS, 'before-flush');
    replays.set(arch, result);
  }
  return result;
}

/**
 * A release no path flushes before any more, replayed in that order (x86 when it is
 * modelled, else the first architecture): the counterexample makes FC009 an error.
 * Where only some paths lost the flush, the path may be infeasible, and where the heap
 * may stamp the page on free (an owned domheap page), the order may be safe: no replay.
 */
function replayed(e: ExposedRelease, options: RunOptions): ExposedRelease {
  const arch = options.arches.includes('x86') ? 'x86' : options.arches[0];
  if (e.after !== 'none' || e.heapMayCover || !arch) return e;
  return { ...e, sim: structuredClone(releaseReplay(arch)), simArch: arch };
}

/** The whole review at once. For small inputs and tests. */
export function review(inputs: readonly ReviewInput[], options: RunOptions): RunResult {
  const steps = reviewSteps(inputs, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * The review, yielding to the event loop between patches and between a patch's
 * parses. Tree-sitter trees
 * live in native memory freed by N-API finalizers, which Node runs from the
 * event loop: a long synchronous run never frees one (100k hunk parses held
 * 550 MiB; yielding keeps it under 100 MiB).
 */
export async function reviewAsync(inputs: readonly ReviewInput[], options: RunOptions): Promise<RunResult> {
  const steps = reviewSteps(inputs, options);
  for (let n = 1; ; n++) {
    const step = steps.next();
    if (step.done) {
      // Once more at the end: a caller that reviews in a loop of promises alone
      // (never a macrotask) would otherwise never free a tree.
      await yieldToEventLoop();
      return step.value;
    }
    if (step.value === FREE || n % 64 === 0) await yieldToEventLoop();
  }
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
