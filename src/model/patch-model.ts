import type { Arch, BaseTreeReader, Collected, FlushModel, ParsedImage, PatchAnalysis, Side, Site } from '../types.js';
import { builtinLayer } from '../xen/builtin-model.js';
import { modelCall, type Arg } from './call-model.js';
import { archOfPath, DefinitionDb, definitionsFrom, settled, staticLayer, type Layer, type ModelDefinition } from './database.js';
import { archesInTree, treeFunction, treeLayer } from './tree-headers.js';
import { localFlagsValue, type FileMacro } from './bodies.js';
import { eraById, placeEra } from '../xen/eras.js';
import { analyzePrimitive } from './primitives.js';
import { defineSlot } from '../util/run-context.js';

/**
 * The definitions one patch is modelled with, per side and architecture:
 * the new side reads the patch's new image first, then earlier patches of
 * the series, then the tree (minus what the patch replaces), then the
 * built-in model; the old side reads the patch's old image instead.
 */

export const imageOf = (c: Collected): ParsedImage | undefined => c.definitions[0]?.image ?? c.calls[0]?.image ?? c.uses[0]?.image;

/**
 * New-side definitions of earlier patches of the same run, latest first. One
 * layer, not one per patch: a long series would otherwise search every earlier
 * patch for every name (quadratic), and keep every patch's syntax trees alive.
 * Only what can decide a flush is kept.
 */
const SERIES = defineSlot('series definitions', () => ({ definitions: [] as ModelDefinition[] }));

export class PatchModel {
  private readonly dbs = new Map<string, DefinitionDb>();
  private readonly patchDefinitions: Record<Side, ModelDefinition[]>;
  readonly arches: Arch[];

  constructor(readonly analysis: PatchAnalysis) {
    const bySide = (side: Side): ModelDefinition[] =>
      definitionsFrom(
        analysis.collected.filter((c) => imageOf(c)?.side === side),
        { kind: 'patch' },
      );
    this.patchDefinitions = { new: bySide('new'), old: bySide('old') };
    this.arches = archesToModel(analysis);
    // Without a tree, built-in knowledge is of the patch's era, placed from what it shows.
    if (!analysis.base && analysis.patch.meta.form !== 'tree') analysis.patch.meta.era = placeEra(analysis.patch.files, analysis.patch.meta.date);
    this.assisted = analysis.patch.meta.era ? eraById(analysis.patch.meta.era.era).assisted : true;
  }

  /** Whether the built-in x86 model has the assisted path (not before 2020-04). */
  private readonly assisted: boolean;

  /** Definitions the patch itself shows, on one side. */
  definitions(side: Side): readonly ModelDefinition[] {
    return this.patchDefinitions[side];
  }

  db(side: Side, arch: Arch): DefinitionDb {
    const key = `${side}:${arch}`;
    let db = this.dbs.get(key);
    if (!db) {
      const { analysis } = this;
      const series = analysis.run.get(SERIES).definitions;
      const layers: Layer[] = [staticLayer('patch', this.patchDefinitions[side]), ...(series.length ? [staticLayer('series', series)] : [])];
      if (analysis.base) layers.push(treeLayer(analysis.base, this.arches, analysis.family, side === 'new' ? (d) => supersededByPatch(d, analysis) : undefined));
      layers.push(builtinLayer(this.assisted));
      db = new DefinitionDb(arch, analysis.options.config, layers);
      this.dbs.set(key, db);
    }
    return db;
  }

  /**
   * The enclosing function of a call and the macros of its file: from the
   * patch's image, or the tree's file (a scan, or a site the patch does not
   * touch). Only that function is built: a whole large file would cost every
   * function's call list.
   */
  private enclosing(site: Pick<Site, 'file' | 'side'>, fn: string): { defs: readonly ModelDefinition[]; macros: readonly FileMacro[] } {
    const own = this.patchDefinitions[site.side].filter((d) => d.file === site.file);
    if (own.length > 0 || !this.analysis.base || site.side === 'old') return { defs: own.filter((d) => d.name === fn), macros: own };
    const file = treeFunction(this.analysis.base, site.file, fn);
    if (!file) return { defs: [], macros: [] };
    const macros = file.macros.map((d) => ({ name: d.name, form: d.form, file: site.file, ...(d.body !== undefined ? { body: d.body } : {}) }));
    return { defs: file.definitions, macros };
  }

  /** A bare local variable passed as an argument, as what its assignments may put in it. */
  private resolveLocal(site: Pick<Site, 'file' | 'line' | 'side' | 'change' | 'function'>, text: string): { text: string; note: string } | undefined {
    if (!/^[a-z_]\w*$/.test(text) || !site.function) return undefined;
    const { defs, macros } = this.enclosing(site, site.function);
    const fn = defs.find((d) => (d.form === 'function' || d.form === 'inline-function') && d.references.has(text));
    if (!fn) return undefined;
    const value = localFlagsValue(fn, text, macros, site.line);
    if (value === undefined || value === text) return undefined;
    return { text: value, note: `${text} is a local of ${site.function}: ${value}, from its assignments (${fn.source})` };
  }

  /** The model of one call on every architecture. */
  forCall(site: Pick<Site, 'api' | 'args' | 'file' | 'line' | 'side' | 'change'> & Partial<Pick<Site, 'function'>>): Partial<Record<Arch, FlushModel>> {
    const origin = site.change === 'tree' ? `${site.file}:${site.line}` : `patch:${site.file}:${site.line}`;
    const localNotes: string[] = [];
    const args: Arg[] = (site.args ?? []).map((text) => {
      const local = site.function ? this.resolveLocal({ ...site, function: site.function }, text) : undefined;
      if (local) localNotes.push(local.note);
      return { text: local?.text ?? text, origin };
    });
    const out: Partial<Record<Arch, FlushModel>> = {};
    for (const arch of this.arches) {
      try {
        out[arch] = modelCall(site.api, args, { db: this.db(site.side, arch), family: this.analysis.family });
      } catch (error) {
        // A defect of ours on one call must not cost the patch its other sites.
        out[arch] = { mechanism: 'unknown', source: 'built-in', notes: [`internal error while modelling ${site.api}: ${(error as Error).message}`] };
      }
    }
    const builtFor = archOfPath(site.file);
    for (const arch of this.arches) {
      const m = out[arch]!;
      const notes = [...(m.notes ?? []), ...(m.mechanism !== 'none' ? localNotes : [])];
      if (builtFor !== 'common' && builtFor !== arch) notes.push(`${site.file} is built for ${builtFor} only: this is what the call would do on ${arch}`);
      const x86 = out.x86;
      if (arch !== 'x86' && x86 && (x86.mechanism === 'forced-ipi' || x86.mechanism === 'conditional') && m.mechanism === 'broadcast') {
        notes.push(
          `on x86 this flush ${x86.mechanism === 'forced-ipi' ? 'forces' : `forces, when ${x86.condition},`} an IPI so that it cannot complete while another CPU walks page tables with interrupts off; on ${arch} there is nothing to force: the TLBI broadcast completes on every CPU without interrupting any`,
        );
      }
      if (notes.length) out[arch] = { ...m, notes };
    }
    return out;
  }

  /** Remembers this patch's new definitions for the patches after it in the series. */
  remember(): void {
    const { family, run } = this.analysis;
    const relevant = this.patchDefinitions.new.filter(
      (d) => family.has(d.name) || /^FLUSH_/.test(d.name) || ((d.form === 'object-macro' || d.form === 'function-macro') && /flush|FLUSH/.test(d.body ?? '')),
    );
    if (relevant.length === 0) return;
    const series = run.get(SERIES);
    series.definitions = [...relevant.map(settled), ...series.definitions];
  }
}

/** A tree definition the patch rewrites: its file is in the patch as a whole, or a hunk covers its line. */
function supersededByPatch(def: ModelDefinition, analysis: PatchAnalysis): boolean {
  for (const c of analysis.collected) {
    const image = imageOf(c);
    if (image?.side === 'new' && image.wholeFile && image.file === def.file) return true;
  }
  for (const file of analysis.patch.files) {
    if (file.oldPath !== def.file) continue;
    if (file.newPath !== def.file) return true;
    for (const h of file.hunks) if (def.line >= h.oldStart && def.line < h.oldStart + Math.max(h.oldLines, 1)) return true;
  }
  return false;
}

/** x86 and Arm (or what --arch asks), plus RISC-V and PPC when their headers are in view. */
export function archesToModel(analysis: PatchAnalysis): Arch[] {
  const arches = new Set<Arch>(analysis.options.arches);
  const inView = new Set<Arch>(analysis.base ? archesInTree(analysis.base) : []);
  for (const file of analysis.patch.files) {
    for (const path of [file.oldPath, file.newPath]) {
      const a = path ? archOfPath(path) : 'common';
      if (a !== 'common') inView.add(a);
    }
  }
  for (const a of ['riscv', 'ppc'] as const) if (inView.has(a)) arches.add(a);
  const order: Arch[] = ['x86', 'arm', 'riscv', 'ppc'];
  return order.filter((a) => arches.has(a));
}

/** Where the assisted-flush model of a run comes from: the tree's `flush_area_mask` or built-in. */
export function assistedModelSource(base: BaseTreeReader | undefined, config: Record<string, boolean>): string {
  const layers: Layer[] = [];
  if (base) layers.push(treeLayer(base, ['x86'], new Set(['flush_area_mask'])));
  layers.push(builtinLayer());
  const def = new DefinitionDb('x86', config, layers).resolve('flush_area_mask').def;
  if (!def) return 'built-in';
  if (def.layer === 'built-in') return 'built-in';
  return analyzePrimitive(def).assisted.length > 0 ? `flush_area_mask at ${def.source}` : `flush_area_mask at ${def.source} (no assisted path)`;
}
