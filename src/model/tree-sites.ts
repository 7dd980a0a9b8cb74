import type { Arch, ArchResult, BaseTreeReader, Collected, FileDiff, FlushModel, PatchAnalysis, Site } from '../types.js';
import { BUILTIN_FLUSH_API } from '../xen/flush-api.js';
import { siteId } from '../sites/find-sites.js';
import { normalizeSpace } from '../parser/c/tree-sitter.js';
import { applyHunks } from '../parser/c/images.js';
import { treeCorpus } from '../parser/tree-corpus.js';
import { builtinDefinitions } from '../xen/builtin-model.js';
import { archOfPath, type ModelDefinition } from './database.js';
import { identifierTokens } from './expand.js';
import { imageOf, type PatchModel } from './patch-model.js';
import { archHeaders, COMMON_HEADERS, loadTreeFile, readTreeText, treeDefinitions } from './tree-headers.js';

/**
 * A patch that changes a definition (a macro, a flag, the body of
 * `flush_area_mask`) changes every call that uses it, touched or not. With a
 * directory tree, the calls of the affected names in files that mention them
 * are modelled before and after the patch; those whose mechanism changes
 * become sites with `change: "tree"` and the old model in `previous`.
 */

/** Bounds on the whole-tree search: files parsed and sites listed per patch. */
export const MAX_TREE_FILES = 400;
export const MAX_TREE_SITES = 500;

/** Names whose definition the patch changes: a changed row inside the definition, on either side. */
export function changedNames(analysis: PatchAnalysis): Set<string> {
  const names = new Set<string>();
  for (const c of analysis.collected) {
    const image = imageOf(c);
    if (!image) continue;
    const mark = image.side === 'new' ? 'added' : 'removed';
    for (const def of c.definitions) {
      for (let r = def.node.startPosition.row, last = def.node.endPosition.row; r <= last; r++) {
        if (image.rows[r]?.change === mark) {
          names.add(def.name);
          break;
        }
      }
    }
  }
  return names;
}

/**
 * Every name whose expansion reaches a changed one, through the definitions in
 * view. A definition's references are read only once its text names one of
 * the names found so far: of a whole patched file's hundreds of definitions,
 * few mention a changed function at all.
 */
export function affectedNames(definitions: readonly ModelDefinition[], changed: ReadonlySet<string>): Set<string> {
  const affected = new Set(changed);
  const found = [...affected];
  /** Per definition, how many of `found` its text was searched for. */
  const searched = new Map<ModelDefinition, number>();
  for (let grew = true; grew; ) {
    grew = false;
    for (const d of definitions) {
      if (affected.has(d.name)) continue;
      const text = d.text;
      if (text !== undefined) {
        // Its references can hold only a name its text holds: only the names found since it was last searched are new.
        const from = searched.get(d) ?? 0;
        searched.set(d, found.length);
        if (!found.slice(from).some((name) => text.includes(name))) continue;
      }
      for (const r of d.references) {
        if (r !== d.name && affected.has(r)) {
          affected.add(d.name);
          found.push(d.name);
          grew = true;
          break;
        }
      }
    }
  }
  return affected;
}

/** Line of an untouched old line after the patch; undefined inside a hunk. */
function newLineOf(diff: FileDiff | undefined, oldLine: number): number | undefined {
  if (!diff) return oldLine;
  let delta = 0;
  for (const h of diff.hunks) {
    if (h.oldLines === 0 ? oldLine <= h.oldStart : oldLine < h.oldStart) return oldLine + delta;
    if (oldLine < h.oldStart + h.oldLines) return undefined;
    delta += h.newLines - h.oldLines;
  }
  return oldLine + delta;
}

const sameModel = (a: FlushModel | undefined, b: FlushModel | undefined): boolean => a?.mechanism === b?.mechanism && a?.condition === b?.condition;

/** The tree is the patch's base: every C file it changes applies to it (else lines cannot be mapped). */
function treeIsBase(analysis: PatchAnalysis, base: BaseTreeReader): boolean {
  for (const file of analysis.patch.files) {
    if (!file.oldPath || file.status === 'binary' || file.status === 'mode-only' || !/\.(c|h)$/.test(file.oldPath)) continue;
    const text = base.read(file.oldPath);
    if (text === undefined || applyHunks(text, file.hunks) === undefined) return false;
  }
  return true;
}

/**
 * The patch's own parse of a tree file: its old side read whole from this
 * tree holds the same calls, so a large file the patch changes is not parsed
 * a second time.
 */
function patchOldSide(analysis: PatchAnalysis, path: string, text: string): Collected | undefined {
  return analysis.collected.find((c) => {
    const image = imageOf(c);
    return image?.side === 'old' && image.wholeFile && image.file === path && image.text === text;
  });
}

export function treeSites(model: PatchModel, sites: readonly Site[]): Site[] {
  const { analysis } = model;
  const base = analysis.base;
  if (!base?.directory || !treeIsBase(analysis, base)) return [];
  const changed = changedNames(analysis);
  if (changed.size === 0) return [];
  const inView: ModelDefinition[] = [
    ...model.definitions('new'),
    ...model.definitions('old'),
    ...[...new Set([...model.arches.flatMap(archHeaders), ...COMMON_HEADERS])].flatMap((p) => treeDefinitions(base, p)),
    ...builtinDefinitions(),
  ];
  const affected = affectedNames(inView, changed);
  const calledNames = [...affected].filter((n) => analysis.family.has(n));
  const searchNames = [...new Set([...calledNames, ...changed])].sort();
  const diffs = new Map(analysis.patch.files.filter((f) => f.oldPath).map((f) => [f.oldPath!, f]));
  const known = new Set(sites.map((s) => s.id));
  const out: Site[] = [];
  let parsed = 0;
  // Which files name one of them: one byte search of the run's corpus per name, not a read of every file.
  // The corpus lists the files too: the hypervisor's (xen/) sources and headers, or the whole tree's.
  const corpus = treeCorpus(base);
  const files = corpus ? corpus.files.filter((p) => /\.[ch]$/.test(p)) : [];
  const mentioning = corpus ? new Set(searchNames.flatMap((n) => [...corpus.filesMentioning(n)])) : undefined;
  for (const path of files) {
    if (parsed >= MAX_TREE_FILES || out.length >= MAX_TREE_SITES) break;
    const diff = diffs.get(path);
    if (diff && (diff.status === 'deleted' || diff.newPath !== path)) continue;
    const at = corpus?.indexOf(path);
    if (at !== undefined && !mentioning!.has(at)) continue;
    const text = readTreeText(base, path);
    if (text === undefined || !searchNames.some((n) => text.includes(n))) continue;
    const calls = patchOldSide(analysis, path, text)?.calls ?? loadTreeFile(base, path)?.collected.calls;
    if (!calls) continue;
    parsed++;
    for (const call of calls) {
      if (!analysis.family.has(call.name)) continue;
      if (!affected.has(call.name) && !call.args.some((a) => [...identifierTokens(a)].some((t) => changed.has(t)))) continue;
      const oldLine = call.node.startPosition.row + 1;
      const line = newLineOf(diff, oldLine);
      if (line === undefined) continue;
      const column = call.node.startPosition.column + 1;
      const id = siteId({ patch: analysis.patch.meta.index, file: path, side: 'new', line, column, api: call.name });
      if (known.has(id)) continue;
      const site: Site = {
        id,
        patch: analysis.patch.meta.index,
        file: path,
        line,
        column,
        side: 'new',
        change: 'tree',
        function: call.enclosing,
        api: call.name,
        kind: 'call',
        args: call.args,
        text: normalizeSpace(call.node.text),
        guards: call.guards,
        family: BUILTIN_FLUSH_API.includes(call.name) ? 'builtin' : 'helper',
      };
      const after = model.forCall(site);
      const before = model.forCall({ ...site, side: 'old', line: oldLine });
      const builtFor = archOfPath(path);
      const relevant = model.arches.filter((a) => builtFor === 'common' || builtFor === a);
      if (relevant.every((a) => sameModel(after[a], before[a]))) continue;
      const arch: Partial<Record<Arch, ArchResult>> = {};
      for (const a of model.arches) arch[a] = { ...after[a]!, previous: before[a]! };
      out.push({ ...site, arch });
      known.add(id);
      if (out.length >= MAX_TREE_SITES) break;
    }
  }
  return out;
}
