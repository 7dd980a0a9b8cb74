import type { BaseTreeReader, ExtraRoots, FileFacts, RunScope, TreeIndex } from '../types.js';
import { defineSlot } from '../util/run-context.js';
import { extendFamily } from '../sites/find-sites.js';
import { THIN_WRAPPER_STATEMENTS } from './call-graph.js';
import { summarizeImage } from './summarize.js';
import { treeImage } from './tree-index.js';
import { TreeCorpus, treeCorpus, type CorpusFile } from '../parser/tree-corpus.js';

/**
 * What a review against a tree needs of it: the callers of the functions
 * that hold the patch's sites, and their callers in turn while they are
 * helpers (classes only travel through helpers), up to the roots. A search
 * by name, file by file, instead of the whole-tree index a scan builds:
 * reviews stay cheap on a large tree.
 */

/** How far up a chain of helpers the search goes. */
export const SEARCH_DEPTH = 8;

/** Facts of tree files already summarized in this run, by path. */
const FACTS = defineSlot('tree-search facts', () => new Map<string, FileFacts>());

function factsOf(run: RunScope, file: CorpusFile): FileFacts {
  const cache = run.get(FACTS);
  let facts = cache.get(file.path);
  if (!facts) {
    facts = summarizeImage(treeImage(file.path, file.text));
    cache.set(file.path, facts);
  }
  return facts;
}

/** The tree around `starts` (function names): their callers, up through helpers. */
export function searchTree(run: RunScope, base: BaseTreeReader, starts: readonly string[], family: ReadonlySet<string>, extra: ExtraRoots): TreeIndex {
  const directory = base.directory!;
  // The run's corpus of the tree (shared with the model stage); an unlistable tree fails here as it always did.
  const corpus = treeCorpus(base) ?? new TreeCorpus(directory);
  const parsed = new Map<string, FileFacts>();
  const grown = new Set(family);
  const searched = new Set<string>();
  let frontier = [...new Set(starts)].sort();
  const configured = new Set(Object.values(extra).flat());
  for (let depth = 0; depth < SEARCH_DEPTH && frontier.length > 0; depth++) {
    for (const name of frontier) searched.add(name);
    for (const i of corpus.filesCalling(frontier)) {
      const file = corpus.file(i);
      if (!parsed.has(file.path)) parsed.set(file.path, factsOf(run, file));
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
  for (const f of parsed.values())
    for (const fn of f.functions) if (fn.form === 'function-macro' && [...f.edges].some(([caller, callee]) => caller === fn.name && grown.has(callee))) grown.add(fn.name);
  const facts = [...parsed.values()].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return { directory, family: grown, facts, parsed: parsed.size, skipped: corpus.size - parsed.size };
}
