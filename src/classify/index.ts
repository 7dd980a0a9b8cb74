import type { ExtraRoots, FileFacts, ParsedImage, PatchAnalysis, Side, Site, Stage } from '../types.js';
import { CallGraph, THIN_WRAPPER_STATEMENTS } from './call-graph.js';
import { Classifier } from './classify.js';
import { obligationFor } from './obligations.js';
import { Roots } from './roots.js';
import { summarizeImage } from './summarize.js';
import { touchedOwnerSites } from './touched-owners.js';
import { registeredTreeIndex, type TreeIndex } from './tree-index.js';
import { searchTree } from './tree-search.js';

/**
 * The classify stage: every flush call and bookkeeping use gets its classes
 * (`page-type-change`, `allocation`, `deferred-allocation-flush`, `other`)
 * and the evidence chains behind them; `MEMF_no_tlbflush` setters get the
 * obligation they create. The call graph is the patch's images (whole files
 * with --tree, else hunk fragments placed in the function their header names)
 * over the rest of the tree when the base is a directory; one graph per side.
 * Extra roots come from `options.roots`. A `MEMF_no_tlbflush` owner the patch
 * changes gets its setters as `tree` sites (see touched-owners.ts).
 */

const summaries = new WeakMap<ParsedImage, FileFacts>();

function factsOf(image: ParsedImage): FileFacts {
  let facts = summaries.get(image);
  if (!facts) {
    facts = summarizeImage(image);
    summaries.set(image, facts);
  }
  return facts;
}

function imagesOf(analysis: PatchAnalysis): ParsedImage[] {
  const images = new Set<ParsedImage>();
  for (const c of analysis.collected) {
    for (const d of c.definitions) images.add(d.image);
    for (const call of c.calls) images.add(call.image);
    for (const use of c.uses) images.add(use.image);
  }
  return [...images];
}

/** The tree's facts with the patch's own view of its files laid over them. */
function factsForSide(side: Side, images: readonly ParsedImage[], tree: TreeIndex | undefined): FileFacts[] {
  const own = images.filter((i) => i.side === side).map(factsOf);
  if (!tree) return own;
  const wholeFiles = new Set(own.filter((f) => f.wholeFile).map((f) => f.file));
  const shownFunctions = new Map<string, Set<string>>();
  for (const f of own) {
    if (f.wholeFile) continue;
    const names = shownFunctions.get(f.file) ?? new Set<string>();
    for (const fn of f.functions) names.add(fn.name);
    shownFunctions.set(f.file, names);
  }
  const base = tree.facts
    .filter((f) => !wholeFiles.has(f.file))
    .map((f) => {
      const shown = shownFunctions.get(f.file);
      if (!shown) return f;
      return { ...f, functions: f.functions.filter((fn) => !shown.has(fn.name)), calls: f.calls.filter((c) => c.caller === null || !shown.has(c.caller)) };
    });
  return [...base, ...own];
}

/**
 * The site functions whose callers the classifier will read: chains climb
 * only through helpers, so a root or a function too large to be a helper
 * (as the patch's own view shows it) ends them, and its callers are not searched.
 */
function searchStarts(sites: readonly Site[], images: readonly ParsedImage[], family: ReadonlySet<string>, extra: ExtraRoots): string[] {
  const graphs = new Map<Side, { graph: CallGraph; roots: Roots }>();
  const viewOf = (side: Side): { graph: CallGraph; roots: Roots } => {
    let view = graphs.get(side);
    if (!view) {
      const graph = new CallGraph(side, images.filter((i) => i.side === side).map(factsOf), family);
      view = { graph, roots: new Roots(graph, extra) };
      graphs.set(side, view);
    }
    return view;
  };
  const starts = new Set<string>();
  for (const site of sites) {
    if (site.function === null || site.kind === 'definition') continue;
    const { graph, roots } = viewOf(site.side);
    if (mayBeHelper(site.function, graph, roots, family)) starts.add(site.function);
  }
  return [...starts];
}

/** As the classifier's chains see it: a root ends them before helpers are asked about. */
function mayBeHelper(name: string, graph: CallGraph, roots: Roots, family: ReadonlySet<string>): boolean {
  if (roots.isRoot(name)) return false;
  if (family.has(name)) return true;
  const whole = graph.definitions(name).filter((d) => !d.partial);
  return whole.length === 0 || whole.every((d) => d.statements <= THIN_WRAPPER_STATEMENTS);
}

interface SideView {
  graph: CallGraph;
  classifier: Classifier;
}

/** Classifies the sites of one patch (or of a whole-tree scan). */
export function classifySites(analysis: PatchAnalysis): Site[] {
  const touched = touchedOwnerSites(analysis.patch, analysis.base, imagesOf(analysis), factsOf, analysis.sites);
  const images = [...imagesOf(analysis), ...touched.images];
  const sites = [...analysis.sites, ...touched.sites];
  // A definition is not a flush; its calls are classified where they are made.
  if (!sites.some((s) => s.kind !== 'definition')) return sites;
  const extra = analysis.options.roots ?? {};
  const directory = analysis.base?.directory;
  // A scan registers the whole tree; a review searches it around its own sites.
  const tree = directory ? (registeredTreeIndex(directory, extra) ?? searchTree(directory, searchStarts(sites, images, analysis.family, extra), analysis.family, extra)) : undefined;
  const family = new Set([...analysis.family, ...(tree?.family ?? [])]);
  const views = new Map<Side, SideView>();
  const viewOf = (side: Side): SideView => {
    let view = views.get(side);
    if (!view) {
      const graph = new CallGraph(side, factsForSide(side, images, tree), family);
      const roots = new Roots(graph, extra);
      graph.setRootTest((name) => roots.isRoot(name));
      view = { graph, classifier: new Classifier(graph, roots) };
      views.set(side, view);
    }
    return view;
  };
  // One obligation per setter line: two uses of the flag on one line are one debt.
  const owing = new Set<string>();
  return sites.map((site) => {
    if (site.kind === 'definition') return site;
    const { graph, classifier } = viewOf(site.side);
    const { classes, evidence } = classifier.classify(site);
    const line = `${site.file}:${site.side}:${site.line}`;
    const obligation = owing.has(line) ? undefined : obligationFor(site, graph);
    if (obligation) owing.add(line);
    return { ...site, classes, evidence, ...(obligation ? { obligation } : {}) };
  });
}

export const classifyStage: Stage = classifySites;
