import type { CollectedCall, FlushModel, Mechanism } from '../types.js';
import { normalizeSpace, parseExpression } from '../parser/c/tree-sitter.js';
import { nodeConditions, type DefinitionDb, type ModelDefinition } from './database.js';
import { evaluateConditions } from './conditions.js';
import { evaluateText, isExact, join, mergeConds, negate, truthOfAlts, type Bits, type Cond } from './evaluate.js';
import { bind, identifierTokens, scopingOf, substitute, templateCalls } from './expand.js';
import { analyzePrimitive, classifyLeaf, type AssistedPath } from './primitives.js';
import { localConstants } from './bodies.js';
import { localStrip } from './local-flush.js';
import { FLAGS_WITH_WORK } from '../xen/flush-flags.js';

/**
 * Models one flush call: expands macros with their arguments, follows inline
 * helpers (binding their parameters, so a caller's literal picks a branch),
 * and ends at a primitive whose body says how other CPUs are flushed. Each
 * way through is a path with the conditions it takes; paths are then folded
 * into one mechanism, `conditional` when a C condition picks between forcing
 * an IPI and allowing the assisted path.
 */

/** An argument as passed, with where its text was written. */
export interface Arg {
  text: string;
  origin: string;
}

interface Path {
  conds: Cond[];
  mechanism: Mechanism;
  source: string;
  /** For a `conditional` path: when it forces the IPI. */
  condition?: string;
  /** At a primitive that takes flags: the flags with work of their own it is passed. */
  work?: WorkFlags;
}

/** Flags with work of their own (xen/flush-flags.ts) a flush passes: set on this path for sure, or possibly. */
interface WorkFlags {
  always: string[];
  maybe: string[];
}

/** Folded over the paths: `some` are set for sure on at least one path (a flags choice `c ? F : 0`). */
interface FoldedWorkFlags extends WorkFlags {
  some: string[];
}

interface Outcome {
  paths: Path[];
  steps: string[];
  notes: string[];
  /** Names whose built-in definition (not the patch's or the tree's) the expansion used. */
  builtIn?: string[];
}

const withBuiltIn = (o: Outcome, names: readonly string[] | undefined): Outcome => {
  const all = [...new Set([...(o.builtIn ?? []), ...(names ?? [])])].sort();
  return all.length ? { ...o, builtIn: all } : o;
};

export interface ModelContext {
  db: DefinitionDb;
  /** Names that are flushes: an unresolvable one is `unknown`, not "no flush". */
  family: ReadonlySet<string>;
}

interface Run extends ModelContext {
  /** Calls evaluated so far for this model: a bound on pathological expansions. */
  evaluations: number;
}

const MAX_DEPTH = 24;
const MAX_EVALUATIONS = 1000;
const MAX_STEPS = 32;
const MAX_PATHS = 64;

const argList = (args: readonly Arg[]): string => args.map((a) => a.text).join(', ');

/**
 * Outcomes per definition set, by call text and where its arguments were
 * written: helpers are expanded once per patch. The most recently used are
 * kept: every call site's own outcome is keyed by its place, so a patch of
 * 40k flushes would otherwise keep 40k outcomes that are never asked again.
 */
const memo = new WeakMap<DefinitionDb, Map<string, Outcome | null>>();
/** Above a model's evaluation budget (MAX_EVALUATIONS): what one call adds is never dropped while it runs. */
const MEMO_ENTRIES = 4096;

export function modelCall(name: string, args: readonly Arg[], context: ModelContext): FlushModel {
  const ctx: Run = { ...context, evaluations: 0 };
  const outcome = evalCall(name, args, ctx, [], undefined);
  if (!outcome) {
    const def = ctx.db.resolve(name).def;
    return def
      ? { mechanism: 'none', source: def.source, notes: [`${name} does not flush other CPUs as far as its expansion shows`] }
      : { mechanism: 'none', source: 'built-in', notes: [`no definition of ${name} in view, and it is not a flush`] };
  }
  return finalize(outcome);
}

function evalCall(name: string, args: readonly Arg[], ctx: Run, stack: readonly ModelDefinition[], exclude: Set<ModelDefinition> | undefined): Outcome | null {
  const key = exclude ? undefined : `${name}\u0000${args.map((a) => `${a.text}\u0001${a.origin}`).join('\u0000')}`;
  const cache = memo.get(ctx.db) ?? new Map<string, Outcome | null>();
  memo.set(ctx.db, cache);
  if (key !== undefined && cache.has(key)) {
    const hit = cache.get(key)!;
    // Most recently used last: Map iterates in insertion order, so the first key is the one to drop.
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const outcome = evalCallUncached(name, args, ctx, stack, exclude);
  if (key !== undefined) {
    cache.set(key, outcome);
    if (cache.size > MEMO_ENTRIES) cache.delete(cache.keys().next().value!);
  }
  return outcome;
}

function evalCallUncached(name: string, args: readonly Arg[], ctx: Run, stack: readonly ModelDefinition[], exclude: Set<ModelDefinition> | undefined): Outcome | null {
  if (stack.length > MAX_DEPTH || ++ctx.evaluations > MAX_EVALUATIONS) {
    return { paths: [{ conds: [], mechanism: 'unknown', source: stack.at(-1)?.source ?? 'built-in' }], steps: [], notes: [`the expansion of ${name} is too large to follow`] };
  }
  let res = ctx.db.resolve(name, exclude);
  // Inside its own expansion a macro's name means the function of that name, as in cpp.
  if (res.def && stack.includes(res.def)) res = ctx.db.resolve(name, new Set([...(exclude ?? []), ...stack.filter((d) => d.name === name)]));
  const notes: string[] = res.assumed.map((c) => `${name} at ${res.def!.source} assumes #if ${c}`);
  const def = res.def;
  if (!def || stack.includes(def)) {
    // Only a flush is unknown without a body; any other function is taken not to flush.
    if (!ctx.family.has(name)) return null;
    const decl = res.declarations[0];
    return {
      paths: [{ conds: [], mechanism: 'unknown', source: decl?.source ?? 'built-in' }],
      steps: [],
      notes: [...notes, `${name}: ${decl ? `declared at ${decl.source}, but ` : ''}no definition for ${ctx.db.arch} in view`],
    };
  }
  const inner = [...stack, def];
  const takes = def.params.filter((p) => p && p !== 'void').length;
  if ((def.form === 'function-macro' || def.form === 'function' || def.form === 'inline-function') && takes !== args.length && !def.params.includes('...') && !def.generated) {
    notes.push(`${name} at ${def.source} takes ${takes} argument${takes === 1 ? '' : 's'}, called with ${args.length}`);
  }
  let outcome: Outcome | null;
  switch (def.form) {
    case 'object-macro':
      outcome = evalObjectMacro(def, args, ctx, inner);
      break;
    case 'function-macro': {
      const bindings = bind(
        def.params,
        args.map((a) => a.text),
      );
      const step = `${name}(${argList(args)}) → ${substitute(def.body ?? '', bindings, 'preprocessor')}  [${def.source}]`;
      outcome = prepend(step, evalCalls(def, templateCalls(def.body ?? ''), args, ctx, inner));
      break;
    }
    default:
      outcome = evalFunction(def, args, ctx, inner);
  }
  if (def.layer === 'built-in') {
    const decl = res.declarations.find((d) => d.layer !== 'built-in');
    if (decl) notes.push(`${name} is declared at ${decl.source}; its body is not in view, the built-in model is used`);
    else if (ctx.db.layers.some((l) => l.kind === 'tree')) notes.push(`${name} is not defined for ${ctx.db.arch} in the tree; the built-in model is used`);
  }
  // A hunk that shows only part of a definition may not show how it flushes:
  // fall back on the next definition (tree or built-in) before giving up.
  if (def.partial && (!outcome || outcome.paths.every((p) => p.mechanism === 'unknown'))) {
    const retry = evalCall(name, args, ctx, stack, new Set([...(exclude ?? []), def]));
    if (retry) return { ...retry, notes: [`${name} at ${def.source} is shown only in part; using ${retry.paths[0]?.source ?? 'the next definition'}`, ...retry.notes] };
  }
  if (!outcome) return null;
  return withBuiltIn({ ...outcome, notes: [...notes, ...outcome.notes] }, def.layer === 'built-in' ? [name] : []);
}

const prepend = (step: string, o: Outcome | null): Outcome | null => (o ? { ...o, steps: [step, ...o.steps] } : null);

/** `#define a b`: a call of `a` is a call of `b`; otherwise the body's calls. */
function evalObjectMacro(def: ModelDefinition, args: readonly Arg[], ctx: Run, stack: ModelDefinition[]): Outcome | null {
  const body = def.body ?? '';
  const node = parseExpression(body);
  if (node?.type === 'identifier') {
    const sub = evalCall(body, args, ctx, stack, undefined);
    const step = `${def.name}(${argList(args)}) → ${body}(${argList(args)})  [${def.source}]`;
    const alias = `${def.name} is an alias of ${body} on ${ctx.db.arch} (${def.source})`;
    if (!sub) return null;
    return { ...sub, steps: [step, ...sub.steps], notes: [alias, ...sub.notes] };
  }
  return prepend(`${def.name} → ${body}  [${def.source}]`, evalCalls(def, templateCalls(body), [], ctx, stack));
}

function evalFunction(def: ModelDefinition, args: readonly Arg[], ctx: Run, stack: ModelDefinition[]): Outcome | null {
  const primitive = analyzePrimitive(def);
  if (primitive.sendsIpi) {
    // A branch inside `#if X` exists only in builds where X holds.
    const live = primitive.assisted.filter((a) => evaluateConditions(a.conditions, ctx.db.scope) !== false);
    const assumed = live[0]?.conditions.filter((c) => evaluateConditions([c], ctx.db.scope) !== true) ?? [];
    const outcome = evalPrimitive(def, live[0], args, ctx);
    return assumed.length ? { ...outcome, notes: [...outcome.notes, `the assisted path of ${def.name} is built only when ${assumed.join(' && ')}; assumed so`] } : outcome;
  }
  const outcome = evalCalls(def, def.calls, args, ctx, stack);
  if (outcome && outcome.paths.length > 0) return outcome;
  const leaf = classifyLeaf(def);
  if (leaf && leaf.mechanism !== 'none') return { paths: [{ conds: [], mechanism: leaf.mechanism, source: def.source }], steps: [], notes: leaf.note ? [leaf.note] : [] };
  if (ctx.family.has(def.name)) {
    return {
      paths: [{ conds: [], mechanism: leaf?.mechanism ?? 'unknown', source: def.source }],
      steps: [],
      notes: [leaf?.note ?? `${def.name} at ${def.source}: its body shows no remote flush we can model`],
    };
  }
  return null;
}

/**
 * The calls of a body, with the caller's arguments bound to the parameters:
 * a branch whose condition the arguments decide is taken or dropped, one
 * they do not decide becomes a condition of the paths under it.
 */
function evalCalls(def: ModelDefinition, calls: readonly CollectedCall[], args: readonly Arg[], ctx: Run, stack: ModelDefinition[]): Outcome | null {
  const params = bind(
    def.params,
    args.map((a) => a.text),
  );
  // Locals set once stand for their initializers, then parameters for arguments.
  const locals = def.form === 'function' || def.form === 'inline-function' ? localConstants(def) : new Map<string, string>();
  const bound = (text: string): string => substitute(substitute(text, locals, 'c'), params, scopingOf(def));
  const byParam = new Map<string, Arg>();
  def.params.forEach((p, i) => {
    if (p && args[i]) byParam.set(p, args[i]!);
  });
  const paths: Path[] = [];
  const steps: string[] = [];
  const notes: string[] = [];
  const builtIn: string[] = [];
  let flushes = false;
  for (const call of calls) {
    // A call inside `#if X` in a body is there only in builds where X holds.
    const built = evaluateConditions(
      conditionsOf(call).filter((c) => !def.conditions.includes(c)),
      ctx.db.scope,
    );
    if (built === false) continue;
    const conds: Cond[] = [];
    let taken = true;
    for (const guard of call.guards) {
      const text = bound(guard);
      const truth = truthOfAlts(evaluateText(text, ctx.db.env()));
      if (truth === false) taken = false;
      else if (truth === undefined) conds.push({ text, at: def.source });
    }
    if (!taken) continue;
    const callArgs = call.args.map((a): Arg => (locals.has(a) ? undefined : byParam.get(a)) ?? { text: bound(a), origin: def.source });
    const sub = evalCall(call.name, callArgs, ctx, stack, undefined);
    if (!sub) continue;
    flushes = true;
    if (def.form !== 'function-macro' && def.form !== 'object-macro') {
      steps.push(`${def.name}(${argList(args)}) → ${call.name}(${argList(callArgs)})${conds.length ? ` if ${conds.map((c) => c.text).join(' && ')}` : ''}  [${def.source}]`);
    }
    addAll(steps, sub.steps, MAX_STEPS);
    addAll(notes, sub.notes, MAX_STEPS);
    builtIn.push(...(sub.builtIn ?? []));
    for (const p of sub.paths) {
      const path = { ...p, conds: mergeConds(conds, p.conds) };
      const key = pathKey(path);
      if (!paths.some((q) => pathKey(q) === key)) paths.push(path);
    }
  }
  return flushes ? withBuiltIn({ paths: paths.slice(0, MAX_PATHS), steps, notes }, builtIn) : null;
}

/** `#if`s around a call, read once per call (a helper's body is expanded for every caller). */
const callConditions = new WeakMap<CollectedCall, string[]>();
function conditionsOf(call: CollectedCall): string[] {
  let conditions = callConditions.get(call);
  if (!conditions) {
    conditions = nodeConditions(call.image, call.node);
    callConditions.set(call, conditions);
  }
  return conditions;
}

const pathKey = (p: Path): string =>
  [p.mechanism, p.source, p.condition ?? '', ...p.conds.map((c) => c.text), ...(p.work ? ['\u0001', ...p.work.maybe, '\u0001', ...p.work.always] : [])].join('\u0000');

/** Appends what is not there yet, up to a bound (repeated helpers repeat their steps). */
function addAll(into: string[], more: readonly string[], max: number): void {
  for (const m of more) {
    if (into.length >= max) return;
    if (!into.includes(m)) into.push(m);
  }
}

const hex = (n: number): string => `0x${n.toString(16)}`;
const FULL = 0xffffffff;

/** The bottom of an x86 expansion: IPI unless the flags allow the assisted path. */
function evalPrimitive(def: ModelDefinition, assisted: AssistedPath | undefined, args: readonly Arg[], ctx: Run): Outcome {
  if (!assisted) {
    // Before the assisted path existed the flags are still the parameter of that name.
    const flagsArg = args[def.params.indexOf('flags')];
    const work = flagsArg ? join(evaluateText(flagsArg.text, ctx.db.env(flagsArg.origin, undefined, true))) : undefined;
    return {
      paths: [{ conds: [], mechanism: 'ipi', source: def.source, ...(work ? { work: workFlags(work, ctx) } : {}) }],
      steps: [],
      notes: [`${def.name} at ${def.source} has no assisted path: every remote flush is an IPI`],
    };
  }
  const notes = [`assisted path: read from ${def.layer === 'built-in' ? `the built-in model of ${def.name}` : `${def.name} at ${def.source}`} (taken only when ${assisted.when})`];
  const flags = args[assisted.flagsIndex];
  if (!flags) return { paths: [{ conds: [], mechanism: 'unknown', source: def.source }], steps: [], notes: [...notes, `${def.name} is called without its ${assisted.flagsParam} argument`] };
  const allowed = join(evaluateText(assisted.allowed, ctx.db.env()));
  const seen = new Set<string>();
  const env = ctx.db.env(flags.origin, (n) => seen.add(n), true);
  const alts = evaluateText(flags.text, env);
  notes.push(...flagNotes(seen, ctx));
  const cut = ctx.db.budgetNote(env);
  if (cut) notes.push(cut);
  const steps: string[] = [];
  const afterLocal: string[] = [];
  const mechanismPaths: Path[] = alts.map((alt) => {
    const outside = (alt.value.ones & allowed.zeros) >>> 0;
    const label = alt.conds.length ? ` when ${alt.conds.map((c) => c.text).join(' && ')}` : '';
    if (isExact(alt.value) && alt.value.ones === 0) {
      steps.push(`${assisted.flagsParam} = 0${label}: nothing to flush`);
      return { conds: alt.conds, mechanism: 'none' as const, source: flags.origin };
    }
    const stripped = outside !== 0 ? clearedLocally(def, assisted.flagsParam, flags.text, ctx) : undefined;
    if (stripped && (outside & ~stripped.bits) >>> 0 === 0 && (alt.value.zeros | allowed.ones | stripped.bits) >>> 0 === FULL) {
      // The bit that kept the flush off the assisted path is gone by the time the remote part runs.
      steps.push(
        `${assisted.flagsParam} = ${describe(alt.value)}${label}: ${stripped.names} outside ${assisted.allowed}, but ${stripped.text}: the remote part then holds TLB bits only and may be assisted`,
      );
      afterLocal.push(`${flags.text} without ${stripped.names} (${stripped.text}) [${stripped.source}]`);
      return { conds: alt.conds, mechanism: 'assisted-possible' as const, source: flags.origin };
    }
    if (outside !== 0) {
      // Only a flag that exists to rule out the assisted path is a choice to force;
      // FLUSH_CACHE and the like need the IPI for work of their own.
      const ownWork = (outside & ~forcingOnlyBits(ctx)) >>> 0;
      const mechanism = ownWork !== 0 ? ('ipi' as const) : ('forced-ipi' as const);
      steps.push(
        `${assisted.flagsParam} = ${describe(alt.value)}${label}: ${forcingNames(flags.text, allowed, ctx)} outside ${assisted.allowed}, so the remote flush is an IPI${ownWork !== 0 ? " (needed for that flag's own work, not a choice to force)" : ''}`,
      );
      return { conds: alt.conds, mechanism, source: flags.origin };
    }
    if ((alt.value.zeros | allowed.ones) >>> 0 === FULL) {
      steps.push(`${assisted.flagsParam} = ${describe(alt.value)}${label}: within ${assisted.allowed}, so the flush may be assisted`);
      return { conds: alt.conds, mechanism: 'assisted-possible' as const, source: flags.origin };
    }
    steps.push(`${assisted.flagsParam} = ${flags.text}${label}: not known here`);
    return { conds: alt.conds, mechanism: 'unknown' as const, source: flags.origin };
  });
  const paths = mechanismPaths.map((p, i) => ({ ...p, work: workFlags(alts[i]!.value, ctx) }));
  if (paths.some((p) => p.mechanism === 'unknown')) notes.push(`the flags ${flags.text} are not known before run time`);
  for (const a of afterLocal) notes.push(`${AFTER_LOCAL}${a}`);
  return { paths, steps, notes };
}

/** Which flags with work of their own a flags value sets for sure, and which it may set (a flag that is 0 in this build sets nothing). */
function workFlags(value: Bits, ctx: ModelContext): WorkFlags {
  const always: string[] = [];
  const maybe: string[] = [];
  for (const { name } of FLAGS_WITH_WORK) {
    const v = ctx.db.macroValue(name);
    if (!v) continue;
    const bits = join(v);
    if (!isExact(bits) || bits.ones === 0) continue;
    if ((value.ones & bits.ones) >>> 0 === bits.ones) always.push(name);
    if ((bits.ones & ~value.zeros) >>> 0 !== 0) maybe.push(name);
  }
  return { always, maybe };
}

/** Prefix of the note that says which flags the remote part sees (read back by the simulator's scenario inputs). */
export const AFTER_LOCAL = 'flags after the local flush: ';

/**
 * Bits of `flagsText` the primitive's local flush may clear before the remote part
 * (see local-flush.ts), with the conditions that allow it; undefined when none may.
 */
function clearedLocally(def: ModelDefinition, param: string, flagsText: string, ctx: Run): { bits: number; names: string; text: string; source: string } | undefined {
  const strip = localStrip(def, param, ctx.db);
  if (!strip) return undefined;
  const passed = join(evaluateText(flagsText, ctx.db.env())).ones;
  let bits = 0;
  const names: string[] = [];
  const whens: string[] = [];
  for (const c of strip.cleared) {
    const value = join(evaluateText(c.flags, ctx.db.env())).ones & passed;
    if (!value) continue;
    // A condition the passed flags make false rules the clearing out.
    const ruledOut = c.when.some((w) => {
      const text = substitute(w, new Map([[strip.param, `(${flagsText})`]]), 'c');
      return parseExpression(text) !== undefined && truthOfAlts(evaluateText(text, ctx.db.env())) === false;
    });
    if (ruledOut) continue;
    bits |= value;
    names.push(c.flags);
    whens.push(...c.when);
  }
  if (!bits) return undefined;
  return {
    bits: bits >>> 0,
    names: names.join(', '),
    text: `${strip.callee} clears ${names.join(', ')} when it did that work locally${whens.length ? ` (when ${whens.join(' && ')})` : ''}`,
    source: strip.source,
  };
}

function describe(b: Bits): string {
  return isExact(b) ? hex(b.ones) : `${hex(b.ones)} or more`;
}

/** The flags in an expression whose bits fall outside the allowed set. */
/** Flags whose only effect is to rule out the assisted path (renamed in 2022). */
const FORCING_ONLY_FLAGS = ['FLUSH_FORCE_IPI', 'FLUSH_NO_ASSIST'];

function forcingOnlyBits(ctx: ModelContext): number {
  let bits = 0;
  for (const name of FORCING_ONLY_FLAGS) {
    const v = ctx.db.macroValue(name);
    if (v) bits |= join(v).ones;
  }
  return bits >>> 0;
}

function forcingNames(flagsText: string, allowed: Bits, ctx: ModelContext): string {
  const names = [...identifierTokens(flagsText)].filter((n) => {
    const v = ctx.db.macroValue(n);
    return v && (join(v).ones & allowed.zeros) !== 0;
  });
  return names.length ? names.sort().join(', ') : 'bits';
}

/**
 * Remarks on the flags used: `FLUSH_NO_ASSIST is 0 in this build` (a flag
 * whose non-zero definition's `#if` is false), and `#if`s taken to hold.
 */
function flagNotes(names: ReadonlySet<string>, ctx: ModelContext): string[] {
  const notes: string[] = [];
  for (const name of [...names].sort()) {
    const res = ctx.db.resolve(name);
    if (res.def?.form !== 'object-macro') continue;
    for (const c of res.assumed) notes.push(`${name} at ${res.def.source} assumes #if ${c}`);
    const v = ctx.db.macroValue(name);
    if (!v || !isExact(join(v)) || join(v).ones !== 0) continue;
    const nonZero = res.rejected.find((r) => r.form === 'object-macro' && r.body !== undefined && join(evaluateText(r.body, ctx.db.env())).ones !== 0);
    if (nonZero) notes.push(`${name} is 0 in this build (#if ${nonZero.conditions.join(' && ')} does not hold, ${nonZero.source}): forcing is a no-op`);
  }
  return notes;
}

// ─────────────────────────────── folding ───────────────────────────────────

const FORCING: ReadonlySet<Mechanism> = new Set(['forced-ipi', 'ipi', 'conditional']);

function wrap(text: string): string {
  return /\|\||\?|&&/.test(text) && !(text.startsWith('(') && text.endsWith(')')) ? `(${text})` : text;
}

function conjunction(texts: readonly string[]): string {
  return texts.length === 1 ? texts[0]! : texts.map(wrap).join(' && ');
}

function dedupe(list: readonly string[]): string[] {
  return [...new Set(list)];
}

/**
 * `(a && b) || (!(a) && b)` → `b`, and a term that holds another is dropped:
 * the forcing condition in as few words as the paths allow.
 */
function simplify(terms: readonly string[][]): string[][] {
  let out = terms.map((t) => [...new Set(t)]);
  for (let changed = true; changed; ) {
    changed = false;
    merge: for (let i = 0; i < out.length; i++) {
      for (let j = i + 1; j < out.length; j++) {
        const a = out[i]!;
        const b = out[j]!;
        if (a.length !== b.length) continue;
        const onlyA = a.filter((x) => !b.includes(x));
        const onlyB = b.filter((x) => !a.includes(x));
        if (onlyA.length === 1 && onlyB.length === 1 && negate({ text: onlyA[0]! }).text === onlyB[0]) {
          out = [...out.slice(0, i), a.filter((x) => x !== onlyA[0]), ...out.slice(i + 1, j), ...out.slice(j + 1)];
          changed = true;
          break merge;
        }
      }
    }
    const absorbed = out.filter((t, i) => !out.some((u, k) => k !== i && u.length <= t.length && u.every((x) => t.includes(x)) && (u.length < t.length || k < i)));
    if (absorbed.length !== out.length) {
      out = absorbed;
      changed = true;
    }
  }
  return out;
}

/** Flags every flushing path sets, and flags some path may set; undefined when a path's flags are not known. */
function foldWork(paths: readonly Path[]): FoldedWorkFlags | undefined {
  const flushing = paths.filter((p) => p.mechanism !== 'none');
  if (flushing.length === 0 || flushing.some((p) => !p.work)) return undefined;
  const always = flushing.map((p) => p.work!.always).reduce((a, b) => a.filter((n) => b.includes(n)));
  const some = flushing.flatMap((p) => p.work!.always);
  const maybe = flushing.flatMap((p) => p.work!.maybe);
  const order = (names: string[]): string[] => FLAGS_WITH_WORK.map((f) => f.name).filter((n) => names.includes(n));
  return { always: order(always), some: order(some), maybe: order(maybe) };
}

/** Folds the paths of one call into its mechanism. */
function finalize(outcome: Outcome): FlushModel {
  const steps = dedupe(outcome.steps).slice(0, MAX_STEPS);
  const notes = dedupe(outcome.notes);
  const withText = (m: FlushModel): FlushModel => {
    const all = dedupe([...notes, ...(m.notes ?? [])]);
    const flags = m.mechanism === 'none' ? undefined : foldWork(outcome.paths);
    return {
      ...m,
      ...(steps.length ? { expansion: steps } : {}),
      ...(all.length ? { notes: all } : {}),
      ...(outcome.builtIn?.length ? { builtIn: outcome.builtIn } : {}),
      ...(flags ? { flagsWithWork: flags } : {}),
    };
  };
  const paths = outcome.paths.filter((p) => p.mechanism !== 'none' || outcome.paths.every((q) => q.mechanism === 'none'));
  if (paths.length === 0) return withText({ mechanism: 'none', source: 'built-in' });
  // Conditions every path shares (e.g. "the mask is not empty") do not choose between them.
  const common = new Set(paths[0]!.conds.map((c) => c.text).filter((t) => paths.every((p) => p.conds.some((c) => c.text === t))));
  const own = paths.map((p) => ({ ...p, conds: p.conds.filter((c) => !common.has(c.text)) }));
  const mechanisms = new Set(own.map((p) => p.mechanism));
  const first = own[0]!;
  if (mechanisms.size === 1 && first.mechanism !== 'conditional') return withText({ mechanism: first.mechanism, source: first.source });
  if (mechanisms.has('unknown')) return withText({ mechanism: 'unknown', source: own.find((p) => p.mechanism === 'unknown')!.source });
  if ([...mechanisms].every((m) => m === 'ipi' || m === 'forced-ipi')) return withText({ mechanism: mechanisms.has('ipi') ? 'ipi' : 'forced-ipi', source: first.source });
  const forcing = own.filter((p) => FORCING.has(p.mechanism));
  const assisted = own.filter((p) => p.mechanism === 'assisted-possible');
  if (forcing.length + assisted.length === own.length && forcing.length > 0) {
    const terms = forcing.map((p) => [...p.conds.map((c) => c.text), ...(p.condition ? [p.condition] : [])]);
    if (terms.some((t) => t.length === 0)) {
      return withText({ mechanism: 'unknown', source: first.source, notes: ['several flushes with different mechanisms on the same path'] });
    }
    const simple = simplify(terms);
    const condition = dedupe(simple.map(conjunction))
      .map((t) => (simple.length > 1 ? wrap(t) : t))
      .join(' || ');
    const decided = forcing[0]!.conds[0]?.at ?? forcing[0]!.source;
    return withText({ mechanism: 'conditional', source: decided, condition: normalizeSpace(condition) });
  }
  return withText({ mechanism: 'unknown', source: first.source });
}
