import type { ExtraRoots, FileFacts, ParsedImage, PatchAnalysis, PreviousGuard, Side, Site, Stage, TreeIndex } from '../types.js';
import { CallGraph, PortGraphs, THIN_WRAPPER_STATEMENTS } from './call-graph.js';
import { type Classification, Classifier } from './classify.js';
import { classesOf, sortEvidence } from './evidence.js';
import { valuesAtSite, type ValuesAtCall } from '../model/def-use.js';
import { pageTypeTable } from './page-types.js';
import { deferralAt } from './deferral-releases.js';
import { irqOffAt } from './irq-off.js';
import { obligationFor } from './obligations.js';
import { pageTableUpdatesBefore } from './page-table-updates.js';
import { Roots } from './roots.js';
import { summarizeImage } from './summarize.js';
import { touchedOwnerSites } from './touched-owners.js';
import { searchTree } from './tree-search.js';
import { withFields } from '../util/with-fields.js';
import { imagesOf } from '../sites/find-sites.js';

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

type FactsOf = (image: ParsedImage) => FileFacts;

/**
 * Each image summarized once per classification, and let go with it, or
 * with its side (`forget`): the images live through the patch's last stage,
 * their summaries are not read after this one (on 4 MB of flush hunks, some
 * 3 KB a site).
 */
function summarizer(): { factsOf: FactsOf; forget: (side: Side) => void } {
  const summaries = new Map<ParsedImage, FileFacts>();
  return {
    factsOf: (image) => {
      let facts = summaries.get(image);
      if (!facts) {
        facts = summarizeImage(image);
        summaries.set(image, facts);
      }
      return facts;
    },
    forget: (side) => {
      for (const image of summaries.keys()) if (image.side === side) summaries.delete(image);
    },
  };
}

const patchImages = (analysis: PatchAnalysis): readonly ParsedImage[] => analysis.images ?? imagesOf(analysis.collected);

/** The tree's facts with the patch's own view of its files laid over them. */
function factsForSide(side: Side, images: readonly ParsedImage[], tree: TreeIndex | undefined, factsOf: FactsOf): FileFacts[] {
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
function searchStarts(sites: readonly Site[], images: readonly ParsedImage[], family: ReadonlySet<string>, extra: ExtraRoots, factsOf: FactsOf): string[] {
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
  graphs: PortGraphs;
  classifiers: Map<CallGraph, Classifier>;
}

/**
 * A site's classes in the graphs of its port, or of every port for common
 * code: chains found in any port count; when none is, the first port's
 * reason for `other` stands.
 */
function classifyAcross(view: SideView, site: Site, values?: ValuesAtCall): Classification {
  const results = view.graphs.graphsFor(site.file).map((g) => view.classifiers.get(g)!.classify(site, values));
  if (results.length === 1) return results[0]!;
  const reached = results.filter((r) => !r.unreached);
  if (reached.length === 0) return results[0]!;
  const evidence = sortEvidence(reached.flatMap((r) => r.evidence));
  return { classes: classesOf(evidence), evidence };
}

/** The one graph a site's own-function questions (obligations, interrupts off) are asked in. */
const graphOf = (view: SideView, site: Site): CallGraph => view.graphs.graphsFor(site.file)[0]!;

/** Classifies the sites of one patch (or of a whole-tree scan). */
function classifySites(analysis: PatchAnalysis): Site[] {
  const { factsOf, forget } = summarizer();
  const own = patchImages(analysis);
  const touched = touchedOwnerSites(analysis.patch, analysis.base, own, factsOf, analysis.sites);
  const images = [...own, ...touched.images];
  const sites = [...analysis.sites, ...touched.sites];
  // A definition is not a flush; its calls are classified where they are made.
  if (!sites.some((s) => s.kind !== 'definition')) return sites;
  const extra = analysis.options.roots ?? {};
  const base = analysis.base;
  // A scan hands over the whole tree's index; a review searches the tree around its own sites.
  const tree: TreeIndex | undefined =
    analysis.treeIndex ?? (base?.directory ? searchTree(analysis.run, base, searchStarts(sites, images, analysis.family, extra, factsOf), analysis.family, extra) : undefined);
  const family = new Set([...analysis.family, ...(tree?.family ?? [])]);
  const pageTypes = pageTypeTable(analysis.base);
  const views = new Map<Side, SideView>();
  const viewOf = (side: Side): SideView => {
    let view = views.get(side);
    if (!view) {
      const graphs = new PortGraphs(side, factsForSide(side, images, tree, factsOf), family);
      const classifiers = new Map<CallGraph, Classifier>();
      for (const graph of graphs.all()) {
        const roots = new Roots(graph, extra);
        graph.setRootTest((name) => roots.isRoot(name));
        classifiers.set(
          graph,
          new Classifier(
            graph,
            roots,
            pageTypes,
            graphs.all().filter((g) => g !== graph),
          ),
        );
      }
      view = { graphs, classifiers };
      views.set(side, view);
    }
    return view;
  };
  // One obligation per setter line: two uses of the flag on one line are one debt.
  const owing = new Set<string>();
  const deferring = new Set<string>();
  const classifyOne = (site: Site): Site => {
    if (site.kind === 'definition') return site;
    const view = viewOf(site.side);
    const graph = graphOf(view, site);
    const values = site.kind === 'call' && site.change !== 'tree' ? valuesAtSite(site, analysis.collected) : undefined;
    const { classes, evidence } = classifyAcross(view, site, values);
    const previousGuard = site.kind === 'call' && site.change === 'unchanged' ? previousGuardOf(site, analysis, viewOf('old')) : undefined;
    const line = `${site.file}:${site.side}:${site.line}`;
    const obligation = owing.has(line) ? undefined : obligationFor(site, graph);
    if (obligation) owing.add(line);
    const irqOff = site.change === 'removed' ? undefined : irqOffAt(site, graph);
    const pageTableUpdates = pageTableUpdatesBefore(site, graph);
    // Only a deferral that a release outlives is recorded: the others are paid in time.
    const deferral = deferring.has(line) ? undefined : deferralAt(site, graph);
    if (deferral) deferring.add(line);
    const outlived = deferral && deferral.releases.length > 0 ? deferral : undefined;
    return withFields(site, {
      classes,
      evidence,
      ...(obligation ? { obligation } : {}),
      ...(previousGuard ? { previousGuard } : {}),
      ...(irqOff ? { irqOff } : {}),
      ...(pageTableUpdates ? { pageTableUpdates } : {}),
      ...(outlived ? { deferral: outlived } : {}),
    });
  };
  // One side at a time, each side's graphs and summaries let go after it:
  // the two sides of a large patch are two whole call graphs. The new side
  // first, as an unchanged call asks the old side how it read (previousGuardOf).
  const out: Site[] = sites.slice();
  for (const side of ['new', 'old'] as const) {
    sites.forEach((site, i) => {
      if (site.side === side) out[i] = classifyOne(site);
    });
    views.delete(side);
    forget(side);
  }
  return out;
}

/** The old side's line of an unchanged line of the new side, from the hunk that shows it. */
function oldLineOf(site: Site, analysis: PatchAnalysis): { file: string; line: number } | undefined {
  for (const f of analysis.patch.files) {
    if (f.newPath !== site.file || !f.oldPath) continue;
    for (const h of f.hunks) for (const l of h.lines) if (l.change === 'unchanged' && l.newLine === site.line && l.oldLine) return { file: f.oldPath, line: l.oldLine };
  }
  return undefined;
}

/** How the code before the patch reads an unchanged call's guard (for the changed-guard rule). */
function previousGuardOf(site: Site, analysis: PatchAnalysis, view: SideView): PreviousGuard | undefined {
  const old = oldLineOf(site, analysis);
  if (!old) return undefined;
  const at = { file: old.file, side: 'old' as const, line: old.line, column: site.column, api: site.api };
  const values = valuesAtSite(at, analysis.collected);
  if (!values) return undefined;
  const { classes, evidence } = classifyAcross(view, { ...site, ...at, guards: values.written }, values);
  // The site's own guard: a chain rooted in its own function (a helper's callers judge its parameters).
  const own = evidence.filter((e) => e.steps.every((st) => st.file === old.file && st.function === site.function));
  const chain = own.find((e) => e.class !== 'other') ?? own[0];
  if (!chain) return undefined;
  return { line: old.line, classes, conditions: chain.conditions ?? [], ...(chain.conditionsRead ? { conditionsRead: chain.conditionsRead } : {}) };
}

export const classifyStage: Stage = classifySites;
