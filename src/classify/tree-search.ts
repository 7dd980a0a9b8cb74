import type { ExtraRoots, FileFacts, RunScope, TreeIndex } from '../types.js';
import { defineSlot } from '../util/run-context.js';
import { extendFamily } from '../sites/find-sites.js';
import { THIN_WRAPPER_STATEMENTS } from './call-graph.js';
import { summarizeImage } from './summarize.js';
import { readTreeFiles, treeImage, type TreeFile } from './tree-index.js';

/**
 * What a review against a tree needs of it: the callers of the functions
 * that hold the patch's sites, and their callers in turn while they are
 * helpers (classes only travel through helpers), up to the roots. A search
 * by name, file by file, instead of the whole-tree index a scan builds:
 * reviews stay cheap on a large tree.
 */

/** How far up a chain of helpers the search goes. */
export const SEARCH_DEPTH = 8;

/** The tree's files, read once per run: every patch of a series reviews against the same text. */
const TEXTS = defineSlot('tree-search texts', () => new Map<string, TreeFile[]>());
/** Facts of tree files already summarized in this run. */
const FACTS = defineSlot('tree-search facts', () => new Map<TreeFile, FileFacts>());

function factsOf(run: RunScope, file: TreeFile): FileFacts {
  const cache = run.get(FACTS);
  let facts = cache.get(file);
  if (!facts) {
    facts = summarizeImage(treeImage(file.path, file.text));
    cache.set(file, facts);
  }
  return facts;
}

function treeFiles(run: RunScope, directory: string): TreeFile[] {
  const cache = run.get(TEXTS);
  let files = cache.get(directory);
  if (!files) {
    files = readTreeFiles(directory);
    cache.set(directory, files);
  }
  return files;
}

/** The tree around `starts` (function names): their callers, up through helpers. */
export function searchTree(run: RunScope, directory: string, starts: readonly string[], family: ReadonlySet<string>, extra: ExtraRoots): TreeIndex {
  const files = treeFiles(run, directory);
  const parsed = new Map<string, FileFacts>();
  const grown = new Set(family);
  const searched = new Set<string>();
  let frontier = [...new Set(starts)].sort();
  const configured = new Set(Object.values(extra).flat());
  for (let depth = 0; depth < SEARCH_DEPTH && frontier.length > 0; depth++) {
    for (const name of frontier) searched.add(name);
    for (const file of files) {
      if (parsed.has(file.path) || !frontier.some((name) => file.text.includes(name))) continue;
      parsed.set(file.path, factsOf(run, file));
    }
    const facts = [...parsed.values()];
    // Helpers defined in the tree (macros and inline functions on the flush API) join the family.
    extendFamily(
      facts.flatMap((f) =>
        f.functions
          .filter((fn) => fn.form === 'inline-function')
          .map((fn) => ({ name: fn.name, form: 'inline-function' as const, references: new Set(f.edges.filter(([caller]) => caller === fn.name).map(([, callee]) => callee)) })),
      ),
      grown,
    );
    const definitions = new Map(facts.flatMap((f) => f.functions.map((fn) => [fn.name, fn] as const)));
    const next = new Set<string>();
    for (const f of facts) {
      for (const [caller, callee] of f.edges) {
        if (!frontier.includes(callee) || searched.has(caller)) continue;
        const def = definitions.get(caller);
        // Only a helper passes classes on; a root or a plain function ends the chain.
        const helperLike = grown.has(caller) || (def !== undefined && !def.partial && def.statements <= THIN_WRAPPER_STATEMENTS && !configured.has(caller));
        if (helperLike) next.add(caller);
      }
    }
    frontier = [...next].sort();
  }
  // Macro helpers in the parsed headers count too.
  for (const f of parsed.values()) for (const fn of f.functions) if (fn.form === 'function-macro' && [...f.edges].some(([caller, callee]) => caller === fn.name && grown.has(callee))) grown.add(fn.name);
  const facts = [...parsed.values()].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return { directory, family: grown, facts, parsed: parsed.size, skipped: files.length - parsed.size };
}
