import type { Arch, Collected, CollectedCall, CollectedDefinition, ParsedImage, SiteDefinition } from '../types.js';
import { preprocessorConditions } from '../sites/collect.js';
import { flatOf, normalizeSpace, parseExpression, type SyntaxNode, type Tree } from '../parser/c/tree-sitter.js';
import { imageFlat } from '../parser/c/images.js';
import { buildConfig, conditionEnv, evaluateConditions, includeGuards, mentionsNotShown, withoutGuards, type ConditionScope } from './conditions.js';
import { evaluate, evaluateText, exact, type Alt, type EvalEnv } from './evaluate.js';
import { bind, scopingOf, stringContents, substitute, templateCalls, templateTree } from './expand.js';
import { returnedExpression } from './bodies.js';
import { appendAll } from '../util/append.js';
import { portOfDir } from '../xen/ports.js';

/**
 * The definitions the model reads, in layers searched in order: the patch's
 * image, earlier patches of the series, the base tree, the built-in model.
 * Each definition knows its architecture (from its path), the `#if`
 * conditions around it and where it came from (`source`).
 */

export type LayerKind = 'patch' | 'series' | 'tree' | 'built-in';
/** A definition in an architecture's own headers, or in common code. */
export type ArchScope = Arch | 'common';

export interface ModelDefinition {
  name: string;
  form: SiteDefinition['form'];
  params: string[];
  body?: string;
  /** `#if` conditions around it, include guard removed. */
  conditions: string[];
  arch: ArchScope;
  file: string;
  line: number;
  /** `path:line`, `patch:path:line` or `built-in`. */
  source: string;
  layer: LayerKind;
  /** The hunk shows only part of it. */
  partial: boolean;
  node: SyntaxNode;
  /** Functions: the calls in the body, outermost only, with their guards. */
  calls: CollectedCall[];
  /** Identifiers the definition mentions (macros: body; functions: body). */
  references: Set<string>;
  /** The text they are read from, when known: a name absent from it is none of them (a quick test before they are read). */
  readonly text?: string;
  /** Made by a file-scope macro invocation (`TLB_HELPER(name, op)`). */
  generated?: { by: string; tlbiOps: string[]; asm: string };
}

export interface Layer {
  kind: LayerKind;
  /** Definitions of `name` that apply to `arch` (its own and common ones);
   *  `wantBody` also looks in sources for a function the headers only declare. */
  candidates(name: string, arch: Arch, wantBody?: boolean): readonly ModelDefinition[];
  all(): readonly ModelDefinition[];
}

// ───────────────────────────── paths and places ─────────────────────────────

/** `xen/arch/x86/…` and `xen/include/asm-x86/…` are x86's; everything else is common. */
export function archOfPath(path: string): ArchScope {
  const parts = path.split('/');
  const at = parts[0] === 'xen' ? 1 : 0;
  if (parts[at] === 'arch' && parts[at + 1]) return portOfDir(parts[at + 1]!) ?? 'common';
  if (parts[at] === 'include' && parts[at + 1]?.startsWith('asm-')) return portOfDir(parts[at + 1]!.slice(4)) ?? 'common';
  return 'common';
}

interface Place {
  line: number;
  /** No row of it is in a hunk: it is the tree's text, untouched by the patch. */
  fromTree: boolean;
}

/** The first real (non-synthetic) row a node spans, and whether a hunk shows any of it. */
function placeOf(image: ParsedImage, node: SyntaxNode): Place {
  let line: number | undefined;
  let inHunk = false;
  for (let r = node.startPosition.row, last = node.endPosition.row; r <= last; r++) {
    const row = image.rows[r];
    if (!row || row.change === 'synthetic') continue;
    line ??= row.fileLine;
    if (row.change !== 'context-from-tree') inHunk = true;
  }
  return { line: line ?? node.startPosition.row + 1, fromTree: !inHunk };
}

function isPartial(image: ParsedImage, node: SyntaxNode): boolean {
  for (let r = node.startPosition.row, last = node.endPosition.row; r <= last; r++) if (image.rows[r]?.change === 'synthetic') return true;
  return false;
}

const guardsCache = new WeakMap<ParsedImage, Set<string>>();
function guardsOf(image: ParsedImage): Set<string> {
  let g = guardsCache.get(image);
  if (!g) {
    g = includeGuards(image.tree.rootNode);
    guardsCache.set(image, g);
  }
  return g;
}

/** `#if` conditions around a node inside a parsed file, include guard removed. */
export function nodeConditions(image: ParsedImage, node: SyntaxNode): string[] {
  return withoutGuards(preprocessorConditions(node), guardsOf(image));
}

/**
 * The outermost calls each function definition makes, in the order the
 * images list them: those inside it in its own image, and those a fragment of
 * the same file (a hunk) places in a function of that name. Per file, the
 * calls are indexed once (by position and by enclosing name), so a file's
 * definitions cost the calls they hold, not every call of the file each.
 */
function functionCalls(collected: readonly Collected[]): (def: CollectedDefinition) => CollectedCall[] {
  interface Indexed {
    call: CollectedCall;
    order: number;
    start: number;
    end: number;
  }
  const byImage = new Map<ParsedImage, Indexed[]>();
  /** Per file, per enclosing name: the outermost calls of fragments. */
  const byEnclosing = new Map<string, Map<string, Indexed[]>>();
  let order = 0;
  for (const c of collected) {
    for (const call of c.calls) {
      const entry: Indexed = { call, order: order++, start: -1, end: -1 };
      if (call.inArguments) continue;
      const own = byImage.get(call.image) ?? [];
      own.push(entry);
      byImage.set(call.image, own);
      if (call.image.wholeFile || call.enclosing === null) continue;
      const names = byEnclosing.get(call.image.file) ?? new Map<string, Indexed[]>();
      const list = names.get(call.enclosing) ?? [];
      list.push(entry);
      names.set(call.enclosing, list);
      byEnclosing.set(call.image.file, names);
    }
  }
  const sorted = new Set<Indexed[]>();
  const positioned = (list: Indexed[]): Indexed[] => {
    if (!sorted.has(list)) {
      for (const e of list) {
        e.start = e.call.start;
        e.end = e.call.end;
      }
      list.sort((a, b) => a.start - b.start || a.order - b.order);
      sorted.add(list);
    }
    return list;
  };
  return (def) => {
    const image = def.image;
    const found: Indexed[] = [];
    const own = byImage.get(image);
    if (own) {
      const list = positioned(own);
      const start = def.node.startIndex;
      const end = def.node.endIndex;
      let lo = 0;
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (list[mid]!.start < start) lo = mid + 1;
        else hi = mid;
      }
      for (let i = lo; i < list.length && list[i]!.start <= end; i++) if (list[i]!.end <= end) found.push(list[i]!);
    }
    for (const e of byEnclosing.get(image.file)?.get(def.name) ?? []) if (e.call.image !== image) found.push(e);
    return found.sort((a, b) => a.order - b.order).map((e) => e.call);
  };
}

// ─────────────────────────── building definitions ───────────────────────────

export interface DefinitionOptions {
  kind: LayerKind;
  /** Force an architecture (the built-in model's files). */
  arch?: ArchScope;
  /** Build only the definitions of this name (a function looked up in a large source). */
  only?: string;
}

function sourceOf(kind: LayerKind, file: string, place: Place): string {
  if (kind === 'built-in') return 'built-in';
  if ((kind === 'patch' || kind === 'series') && !place.fromTree) return `patch:${file}:${place.line}`;
  return `${file}:${place.line}`;
}

const IDENTIFIER = new Set(['identifier']);

/** Adds the identifiers in a node to `into`, read from its tree's flat reading when the node came from there. */
function addIdentifiers(node: SyntaxNode, tree: Tree, into: Set<string>): void {
  const flat = flatOf(tree);
  const index = flat.indexOf(node);
  if (index === undefined) for (const id of node.descendantsOfType('identifier')) into.add(id.text);
  else for (const id of flat.descendantsOfType(index, IDENTIFIER)) into.add(flat.text(id));
}

/** Definitions of a set of images of one side (one patch, one tree file, the built-in model). */
export function definitionsFrom(collected: readonly Collected[], options: DefinitionOptions): ModelDefinition[] {
  const out: ModelDefinition[] = [];
  let index: ((def: CollectedDefinition) => CollectedCall[]) | undefined;
  // The calls of every function are indexed once, when the first definition is asked for its calls.
  const callsOf = (def: CollectedDefinition): CollectedCall[] => {
    index ??= functionCalls(collected);
    return index(def);
  };
  for (const c of collected) {
    for (const def of c.definitions) {
      if (options.only !== undefined && def.name !== options.only) continue;
      out.push(new BuiltDefinition(def, options, callsOf));
    }
    if (options.only === undefined) appendAll(out, generatedDefinitions(c, options));
  }
  return out;
}

/**
 * A definition with every fact read, holding nothing of the images it came
 * from but its own node: what outlives its patch (the series layer) must not
 * keep that patch's other trees and calls alive through a lazy definition.
 */
export function settled(def: ModelDefinition): ModelDefinition {
  if (!(def instanceof BuiltDefinition)) return def;
  return {
    name: def.name,
    form: def.form,
    params: def.params,
    ...(def.body !== undefined ? { body: def.body } : {}),
    conditions: def.conditions,
    arch: def.arch,
    file: def.file,
    line: def.line,
    source: def.source,
    layer: def.layer,
    partial: def.partial,
    node: def.node,
    calls: def.calls,
    references: def.references,
  };
}

/**
 * A definition whose derived facts (its place, conditions, calls and the
 * identifiers it mentions) are worked out when first read: a large file the
 * patch changes has hundreds of definitions, of which a review reads a few.
 * Each is a pure function of the parsed image, so reading late cannot change it.
 */
class BuiltDefinition implements ModelDefinition {
  readonly name: string;
  readonly form: ModelDefinition['form'];
  readonly params: string[];
  declare readonly body?: string;
  readonly arch: ArchScope;
  readonly file: string;
  readonly layer: LayerKind;
  private place: Place | undefined;
  private made: { conditions?: string[]; partial?: boolean; calls?: CollectedCall[]; references?: Set<string> } = {};

  constructor(
    private readonly def: CollectedDefinition,
    options: DefinitionOptions,
    private readonly callsOf: (def: CollectedDefinition) => CollectedCall[],
  ) {
    this.name = def.name;
    this.form = def.form;
    this.params = def.params ?? [];
    if (def.body !== undefined) (this as { body?: string }).body = def.body;
    this.arch = options.arch ?? archOfPath(def.image.file);
    this.file = def.image.file;
    this.layer = options.kind;
  }

  private get isFunction(): boolean {
    return this.form === 'function' || this.form === 'inline-function';
  }

  private placed(): Place {
    this.place ??= placeOf(this.def.image, this.def.node);
    return this.place;
  }

  get node(): SyntaxNode {
    return this.def.node;
  }

  get text(): string | undefined {
    if (!this.isFunction) return this.body;
    const at = this.def.at;
    return at === undefined ? this.def.node.text : imageFlat(this.def.image).text(at);
  }

  get line(): number {
    return this.placed().line;
  }

  get source(): string {
    return sourceOf(this.layer, this.file, this.placed());
  }

  get conditions(): string[] {
    this.made.conditions ??= withoutGuards(this.def.conditions, guardsOf(this.def.image));
    return this.made.conditions;
  }

  get partial(): boolean {
    this.made.partial ??= isPartial(this.def.image, this.def.node);
    return this.made.partial;
  }

  get calls(): CollectedCall[] {
    this.made.calls ??= this.isFunction ? this.callsOf(this.def) : [];
    return this.made.calls;
  }

  get references(): Set<string> {
    if (!this.made.references) {
      const references = new Set(this.def.references);
      if (this.isFunction) addIdentifiers(this.def.node, this.def.image.tree, references);
      this.made.references = references;
    }
    return this.made.references;
  }
}

/**
 * Functions made by a file-scope macro invocation, as Arm's
 * `TLB_HELPER(flush_all_guests_tlb, alle1is)`: the macro's body defines a
 * function named by one parameter; a TLBI in its asm takes the others.
 */
function generatedDefinitions(c: Collected, options: DefinitionOptions): ModelDefinition[] {
  const out: ModelDefinition[] = [];
  const macros = new Map(c.definitions.filter((d) => d.form === 'function-macro' && d.body).map((d) => [d.name, d]));
  for (const call of c.calls) {
    if (call.enclosing !== null) continue;
    const macro = macros.get(call.name);
    if (!macro?.body || !macro.params) continue;
    const tree = templateTree(macro.body);
    const declarator = tree
      .descendantsOfType('function_declarator')
      .map((d) => d.childForFieldName('declarator')?.text)
      .find((n) => n && macro.params!.includes(n));
    if (!declarator) continue;
    const nameIndex = macro.params.indexOf(declarator);
    const name = call.args[nameIndex];
    if (!name) continue;
    // The string literals of the body's text: `"tlbi " # tlbop` (4.18+) does not parse as C.
    const usesTlbi = stringContents(tree).some((s) => /\btlbi\b/i.test(s)) || /"[^"\n]*\btlbi\b[^"\n]*"/i.test(macro.body);
    const body = substitute(macro.body, bind(macro.params, call.args), 'preprocessor');
    const place = placeOf(call.image, call.node);
    out.push({
      name,
      form: 'inline-function',
      params: [],
      body,
      conditions: withoutGuards(preprocessorConditions(call.node), guardsOf(call.image)),
      arch: options.arch ?? archOfPath(call.image.file),
      file: call.image.file,
      line: place.line,
      source: sourceOf(options.kind, call.image.file, place),
      layer: options.kind,
      partial: false,
      node: call.node,
      calls: templateCalls(body),
      references: new Set([call.name, ...call.args]),
      generated: { by: call.name, tlbiOps: usesTlbi ? call.args.filter((_, i) => i !== nameIndex) : [], asm: stringifiedAsm(macro.body, macro.params, call.args) },
    });
  }
  return out;
}

/** A generator's string literals joined, each `# param` given as the string of its argument (cpp's `#`). */
function stringifiedAsm(body: string, params: readonly string[], args: readonly string[]): string {
  const filled = body.replace(/(?<!#)#\s*([A-Za-z_]\w*)/g, (m, p: string) => (params.includes(p) && args[params.indexOf(p)] !== undefined ? `"${args[params.indexOf(p)]}"` : m));
  return [...filled.matchAll(/"((?:[^"\\\n]|\\.)*)"/g)].map((m) => m[1]).join('');
}

/** A layer over a fixed list of definitions. */
export function staticLayer(kind: LayerKind, definitions: readonly ModelDefinition[], lazy?: (name: string, arch: Arch, wantBody: boolean, declared: boolean) => readonly ModelDefinition[]): Layer {
  const byName = new Map<string, ModelDefinition[]>();
  for (const d of definitions) {
    const list = byName.get(d.name) ?? [];
    list.push(d);
    byName.set(d.name, list);
  }
  return {
    kind,
    candidates(name, arch, wantBody = false) {
      const own = (byName.get(name) ?? []).filter((d) => d.arch === arch || d.arch === 'common');
      const more = lazy && !own.some((d) => d.form !== 'declaration') ? lazy(name, arch, wantBody, own.length > 0) : [];
      // An architecture's own definition hides a common one of the same name.
      return [...own, ...more].sort((a, b) => Number(a.arch === 'common') - Number(b.arch === 'common'));
    },
    all: () => definitions,
  };
}

// ─────────────────────────────── resolution ────────────────────────────────

export interface Resolution {
  /** The definition that decides: a macro or a function with a body. */
  def?: ModelDefinition;
  /** Prototypes seen on the way (a function whose body is elsewhere). */
  declarations: ModelDefinition[];
  /** Definitions whose `#if` is false in this build. */
  rejected: ModelDefinition[];
  /** Conditions taken to hold although they could not be evaluated. */
  assumed: string[];
}

const EMPTY: Resolution = { declarations: [], rejected: [], assumed: [] };

/** Macro values and calls one evaluation may expand before it gives up (unknown, with the reason). */
export const MAX_EXPANSIONS = 1000;

/** Definitions for one architecture and build, searched layer by layer. */
export class DefinitionDb {
  readonly scope: ConditionScope;
  private readonly cache = new Map<string, Resolution>();
  private readonly resolving = new Set<string>();
  private readonly evaluating = new Set<string>();

  constructor(
    readonly arch: Arch,
    config: Readonly<Record<string, boolean>>,
    readonly layers: readonly Layer[],
  ) {
    this.scope = { config: buildConfig(arch, config), macro: (name) => this.macroValue(name) };
  }

  /** Truth of a definition's conditions; a condition the hunk does not show is
   *  read from the same definition (same body) in a later layer. */
  private truth(def: ModelDefinition, layerIndex: number): boolean | undefined {
    const t = evaluateConditions(def.conditions, this.scope);
    if (t !== undefined || !def.conditions.some(mentionsNotShown)) return t;
    const body = normalizeSpace(def.body ?? '');
    for (const layer of this.layers.slice(layerIndex + 1)) {
      for (const twin of layer.candidates(def.name, this.arch)) {
        if (twin.arch !== def.arch || normalizeSpace(twin.body ?? '') !== body || twin.conditions.some(mentionsNotShown)) continue;
        const twinTruth = evaluateConditions(twin.conditions, this.scope);
        if (twinTruth !== undefined) return twinTruth;
      }
    }
    return undefined;
  }

  /** `wantBody`: also search sources for the body of a function that is not a flush. */
  resolve(name: string, exclude?: ReadonlySet<ModelDefinition>, wantBody = false): Resolution {
    const key = `${wantBody ? 'body:' : ''}${name}`;
    if (!exclude) {
      const hit = this.cache.get(key);
      if (hit) return hit;
    }
    if (this.resolving.has(key)) return EMPTY;
    this.resolving.add(key);
    try {
      const result = this.search(name, exclude, wantBody);
      if (!exclude) this.cache.set(key, result);
      return result;
    } finally {
      this.resolving.delete(key);
    }
  }

  private search(name: string, exclude: ReadonlySet<ModelDefinition> | undefined, wantBody: boolean): Resolution {
    const declarations: ModelDefinition[] = [];
    const rejected: ModelDefinition[] = [];
    let fallback: ModelDefinition | undefined;
    for (const [index, layer] of this.layers.entries()) {
      for (const def of layer.candidates(name, this.arch, wantBody)) {
        if (exclude?.has(def)) continue;
        const t = this.truth(def, index);
        if (t === false) {
          rejected.push(def);
          continue;
        }
        if (def.form === 'declaration') {
          declarations.push(def);
          continue;
        }
        if (t === true) return { def, declarations, rejected, assumed: [] };
        fallback ??= def;
      }
      // An earlier layer's definition under an unknown condition beats a later one.
      if (fallback) return { def: fallback, declarations, rejected, assumed: fallback.conditions.filter((c) => evaluateConditions([c], this.scope) !== true) };
    }
    return { declarations, rejected, assumed: [] };
  }

  /**
   * Values already worked out in one evaluation (one environment), by macro
   * and arguments: a macro used three times per level of a chain is expanded
   * once per level, not 3^levels times. Values that met a cycle are not kept
   * (they depend on where the cycle was entered).
   */
  private readonly values = new WeakMap<EvalEnv, Map<string, Alt[] | undefined>>();
  /** Expansions left per evaluation; past the budget a value is unknown, with the reason recorded. */
  private readonly budgets = new WeakMap<EvalEnv, { left: number; exhausted?: string }>();
  /** Values of macros asked for outside any evaluation (flags such as FLUSH_NO_ASSIST). */
  private readonly plainValues = new Map<string, Alt[] | undefined>();
  /** Set when a value met a cycle (a macro inside its own expansion). */
  private cut = false;

  /** Why an evaluation in `env` stopped short, if it did. */
  budgetNote(env: EvalEnv): string | undefined {
    return this.budgets.get(env)?.exhausted;
  }

  /** Looks up or works out one value of an evaluation, within its budget. */
  private expanded(env: EvalEnv, key: string, label: string, work: () => Alt[] | undefined): Alt[] | undefined {
    let memo = this.values.get(env);
    if (!memo) {
      memo = new Map();
      this.values.set(env, memo);
    }
    if (memo.has(key)) return memo.get(key);
    let budget = this.budgets.get(env);
    if (!budget) {
      budget = { left: MAX_EXPANSIONS };
      this.budgets.set(env, budget);
    }
    if (budget.left <= 0) {
      budget.exhausted ??= `the value of ${label} takes more than ${MAX_EXPANSIONS} macro expansions to work out: not followed`;
      return undefined;
    }
    budget.left--;
    const outer = this.cut;
    this.cut = false;
    const value = work();
    if (!this.cut) memo.set(key, value);
    this.cut ||= outer;
    return value;
  }

  /** Value of an object-like macro (a flag), or undefined when not known. */
  macroValue(name: string, env?: EvalEnv): Alt[] | undefined {
    if (!env) {
      if (this.plainValues.has(name)) return this.plainValues.get(name);
      const fresh = this.env();
      const value = this.macroValue(name, fresh);
      if (!this.budgetNote(fresh)) this.plainValues.set(name, value);
      return value;
    }
    const { def } = this.resolve(name);
    if (def?.form !== 'object-macro' || def.body === undefined) return undefined;
    if (this.evaluating.has(name)) {
      this.cut = true;
      return undefined;
    }
    const body = def.body;
    return this.expanded(env, name, name, () => {
      const node = parseExpression(body);
      if (!node) return undefined;
      this.evaluating.add(name);
      try {
        return evaluate(node, env);
      } finally {
        this.evaluating.delete(name);
      }
    });
  }

  /**
   * Value of a call in an expression: a function-like macro (`FLUSH_ORDER(0)`)
   * expanded, or a function whose body is one `return` of an expression
   * (`guest_flush_tlb_flags(d)`) with the arguments bound.
   */
  private macroCall(name: string, args: SyntaxNode[], env: EvalEnv, functionBodies: boolean): Alt[] | undefined {
    if (this.evaluating.has(name)) {
      this.cut = true;
      return undefined;
    }
    const argTexts = args.map((a) => normalizeSpace(a.text));
    return this.expanded(env, `${name}(${argTexts.join('\u0000')})`, `${name}(${argTexts.join(', ')})`, () => this.macroCallUncached(name, argTexts, env, functionBodies));
  }

  private macroCallUncached(name: string, argTexts: string[], env: EvalEnv, functionBodies: boolean): Alt[] | undefined {
    let def = this.resolve(name).def;
    let text: string | undefined;
    if (def?.form === 'function-macro' && def.body !== undefined) text = def.body;
    else if (functionBodies) {
      def = this.resolve(name, undefined, true).def;
      if (def && (def.form === 'function' || def.form === 'inline-function')) text = returnedExpression(def);
    }
    if (!def || text === undefined) return undefined;
    this.evaluating.add(name);
    try {
      return evaluateText(substitute(text, bind(def.params, argTexts), scopingOf(def)), env);
    } finally {
      this.evaluating.delete(name);
    }
  }

  /**
   * An evaluation environment over these definitions. `at` labels the
   * conditions the expression yields; `seen` hears of every macro used;
   * `functionBodies` lets calls be valued by their function's `return`
   * (worth a search of the sources for flags, not for every branch).
   */
  env(at?: string, seen?: (name: string) => void, functionBodies = false): EvalEnv {
    const base = conditionEnv(this.scope);
    const env: EvalEnv = {
      ...(at ? { at } : {}),
      identifier: (name) => {
        if (!name.startsWith('CONFIG_')) seen?.(name);
        const configured = conditionEnv({ config: this.scope.config }).identifier(name);
        if (configured) return configured;
        const v = this.macroValue(name, env);
        if (v) return v;
        return name === 'NULL' ? [{ conds: [], value: exact(0) }] : undefined;
      },
      defined: (name) => base.defined(name) ?? (this.resolve(name).def ? true : undefined),
      call: (name, args) => base.call(name, args) ?? this.macroCall(name, args, env, functionBodies),
    };
    return env;
  }
}
