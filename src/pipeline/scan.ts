import type { Patch, PatchAnalysis, PatchMeta, RunResult } from '../types.js';
import { DirTree } from '../parser/base-tree.js';
import { indexTree } from '../classify/scan-tree.js';
import { sortSites } from '../sites/find-sites.js';
import { RunContext } from '../util/run-context.js';
import { stageOptions, type RunOptions } from './options.js';
import { finishRun } from './result.js';
import { runStages } from './stages.js';

export interface ScanOptions extends RunOptions {
  /** Worker threads; 0 parses in this thread. Default: the cores, at most 2. */
  workers?: number;
  /** Called as files are parsed: done so far, and the files in the tree. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * `flushcheck scan`: the whole tree as one pseudo patch (form `tree`), its
 * sites found by the tree index (classify/scan-tree.ts), then the same stages
 * and the same end of run as a review. `label` is how the user named the tree.
 */
export async function scan(directory: string, label: string, options: ScanOptions): Promise<RunResult> {
  const run = new RunContext();
  const indexed = await indexTree(directory, {
    ...(options.roots ? { roots: options.roots } : {}),
    ...(options.workers !== undefined ? { workers: options.workers } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const meta: PatchMeta = { index: 0, source: label, form: 'tree', subject: `whole-tree scan of ${label}` };
  const patch: Patch = { meta, files: [] };
  const base = run.tree(new DirTree(indexed.index.directory));
  const analysis: PatchAnalysis = {
    patch,
    collected: [],
    sites: sortSites(indexed.sites),
    family: indexed.index.family,
    base,
    ...(indexed.whole ? { treeIndex: indexed.index } : {}),
    options: stageOptions(options),
    run,
  };
  const sites = runStages(analysis);
  return finishRun({ inputs: [{ name: label, form: 'tree', patches: 1 }], patches: [meta], sites, errors: indexed.errors, base }, { ...options, treeLabel: label }, run);
}
