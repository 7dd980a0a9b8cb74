import type { BaseTreeReader } from '../types.js';
import { normalizeSpace, parseExpression, type SyntaxNode } from '../parser/c/tree-sitter.js';

/**
 * The one page-table test (issue 13, part 4). A condition about a page's type is
 * evaluated over the real ordered set of `PGT_*` types, read from the tree's x86
 * headers (fallback: the built-in table of Xen 4.x, said so in `source`). The
 * classifier and the simulator both ask this module which old types reach a
 * branch: `<= PGT_root_page_table`, `== PGT_l1_page_table`, ranges and masks are
 * computed, never matched by their shape.
 *
 * Values are 64-bit words with some bits known (three-valued): a type_info word
 * of a given type knows its type bits and nothing else, so `(x & PGT_type_mask)`
 * is exact while `(x & PGT_count_mask) == 0` stays unknown.
 */

export interface PageType {
  name: string;
  value: bigint;
  /** Non-zero and `<= PGT_root_page_table` (DOMAIN.md). */
  pageTable: boolean;
}

export interface PageTypeTable {
  /** Where the table came from: header paths of the tree, or `built-in (Xen 4.x x86_64 layout)`. */
  source: string;
  /** Ordered by value; one name per value. */
  types: PageType[];
  mask: bigint;
  /** Every `PGT_*` / `_PGT_*` constant evaluated (flags, count mask, root alias). */
  constants: ReadonlyMap<string, bigint>;
}

const WIDTH = 64n;
const ALL = (1n << WIDTH) - 1n;

// ─────────────────────────────── reading the table ───────────────────────────────

interface MacroDef {
  params?: string[];
  body: string;
}

/** `#define` lines of a header (continuations joined, comments dropped). */
function macroDefinitions(text: string, into: Map<string, MacroDef>): void {
  const joined = text.replace(/\\\r?\n/g, ' ').replace(/\/\*[\s\S]*?\*\//g, ' ');
  for (const line of joined.split('\n')) {
    const m = /^\s*#\s*define\s+([A-Za-z_]\w*)(\(([^)]*)\))?\s*(.*?)\s*(\/\/.*)?$/.exec(line);
    if (!m || into.has(m[1]!)) continue;
    into.set(m[1]!, {
      ...(m[2]
        ? {
            params: m[3]!
              .split(',')
              .map((p) => p.trim())
              .filter(Boolean),
          }
        : {}),
      body: m[4] ?? '',
    });
  }
}

/** Splits `a, (b, c), d` at top-level commas. */
function splitArgs(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      out.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(text.slice(start).trim());
  return out;
}

const MAX_EXPANSION = 4096;

/** cpp-style expansion of the macros a constant is built from (bounded; `##` pastes). */
function expand(text: string, defs: ReadonlyMap<string, MacroDef>, depth = 0): string {
  if (depth > 12 || text.length > MAX_EXPANSION) return text;
  let out = '';
  let i = 0;
  while (i < text.length) {
    const id = /^[A-Za-z_]\w*/.exec(text.slice(i));
    if (!id || (i > 0 && /[\w.]/.test(text[i - 1]!))) {
      out += text[i];
      i++;
      continue;
    }
    const name = id[0];
    const def = defs.get(name);
    i += name.length;
    if (!def) {
      out += name;
      continue;
    }
    if (!def.params) {
      out += `(${expand(def.body, defs, depth + 1)})`;
      continue;
    }
    const open = /^\s*\(/.exec(text.slice(i));
    if (!open) {
      out += name;
      continue;
    }
    let j = i + open[0].length;
    let level = 1;
    const argStart = j;
    while (j < text.length && level > 0) {
      if (text[j] === '(') level++;
      else if (text[j] === ')') level--;
      j++;
    }
    if (level !== 0) return text;
    const args = splitArgs(text.slice(argStart, j - 1));
    i = j;
    let body = def.body;
    def.params.forEach((p, k) => {
      body = body.replace(new RegExp(`\\b${p}\\b`, 'g'), args[k] ?? '');
    });
    body = body.replace(/\s*##\s*/g, '');
    out += `(${expand(body, defs, depth + 1)})`;
  }
  return out;
}

/** Header candidates, new layout then 2020 layout; a scan's tree may start at `xen/`. */
const HEADERS = [
  'arch/x86/include/asm/mm.h',
  'arch/x86/include/asm/x86_64/page.h',
  'arch/x86/include/asm/config.h',
  'include/asm-x86/mm.h',
  'include/asm-x86/x86_64/page.h',
  'include/asm-x86/config.h',
];

/** Built-in values where the tree does not say (x86_64). */
const BUILTIN_DEFINES = ['#define BITS_PER_LONG 64', '#define PG_shift(idx) (BITS_PER_LONG - (idx))', '#define PG_mask(x, idx) (x ## UL << PG_shift(idx))'].join('\n');

/** The built-in table: Xen's x86_64 layout since 4.x (types in bits 61-63, PGT_root_page_table = L4). */
const BUILTIN_HEADER = [
  '#define PGT_none PG_mask(0, 3)',
  '#define PGT_l1_page_table PG_mask(1, 3)',
  '#define PGT_l2_page_table PG_mask(2, 3)',
  '#define PGT_l3_page_table PG_mask(3, 3)',
  '#define PGT_l4_page_table PG_mask(4, 3)',
  '#define PGT_seg_desc_page PG_mask(5, 3)',
  '#define PGT_shared_page PG_mask(6, 3)',
  '#define PGT_writable_page PG_mask(7, 3)',
  '#define PGT_type_mask PG_mask(7, 3)',
  '#define PGT_locked PG_mask(1, 4)',
  '#define PGT_pinned PG_mask(1, 5)',
  '#define PGT_validated PG_mask(1, 6)',
  '#define PGT_pae_xen_l2 PG_mask(1, 7)',
  '#define PGT_partial PG_mask(1, 8)',
  '#define PGT_non_coherent PG_mask(1, 9)',
  '#define PGT_count_width PG_shift(9)',
  '#define PGT_count_mask ((1UL<<PGT_count_width)-1)',
  '#define PGT_root_page_table PGT_l4_page_table',
].join('\n');

function tableFrom(defs: ReadonlyMap<string, MacroDef>, source: string): PageTypeTable | undefined {
  const constants = new Map<string, bigint>();
  for (const name of defs.keys()) {
    if (!/^_?PGT_\w+$/.test(name) || defs.get(name)!.params) continue;
    const v = exactValue(expand(name, defs), new Map());
    if (v !== undefined) constants.set(name, v);
  }
  const mask = constants.get('PGT_type_mask');
  const root = constants.get('PGT_root_page_table');
  if (mask === undefined || mask === 0n || root === undefined) return undefined;
  const byValue = new Map<bigint, string>();
  for (const [name, value] of [...constants].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (name.startsWith('_') || name === 'PGT_type_mask' || name === 'PGT_root_page_table' || (value & ~mask) !== 0n) continue;
    // Flags inside the type field are no types: a type is one of the field's values.
    if (!/_(page|page_table|none)$/.test(name) && name !== 'PGT_none') continue;
    if (!byValue.has(value)) byValue.set(value, name);
  }
  if (byValue.size < 2) return undefined;
  const types = [...byValue].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([value, name]) => ({ name, value, pageTable: value !== 0n && value <= root }));
  return { source, types, mask, constants };
}

/** The table as headers define it (missing helpers such as BITS_PER_LONG fall back on built-in ones). */
export function pageTypesFromHeaders(files: readonly { path: string; text: string }[]): PageTypeTable | undefined {
  const defs = new Map<string, MacroDef>();
  for (const f of files) macroDefinitions(f.text, defs);
  const own = [...defs.keys()].filter((k) => k.startsWith('PGT_'));
  if (!own.includes('PGT_type_mask')) return undefined;
  macroDefinitions(BUILTIN_DEFINES, defs);
  // The tree must say what the types are; only where the root alias hides in a header not read is the built-in one used.
  if (!defs.has('PGT_root_page_table')) defs.set('PGT_root_page_table', { body: 'PGT_l4_page_table' });
  return tableFrom(defs, files.map((f) => f.path).join(', '));
}

const tables = new WeakMap<BaseTreeReader, PageTypeTable>();

/** The tree's table when its x86 headers are in view, else the built-in one. */
export function pageTypeTable(base?: BaseTreeReader): PageTypeTable {
  if (!base) return builtinPageTypes();
  const hit = tables.get(base);
  if (hit) return hit;
  const files: { path: string; text: string }[] = [];
  for (const h of HEADERS) {
    for (const path of [`xen/${h}`, h]) {
      let text: string | undefined;
      try {
        text = base.read(path);
      } catch {
        text = undefined;
      }
      if (text !== undefined) {
        files.push({ path, text });
        break;
      }
    }
  }
  const table = (files.length ? pageTypesFromHeaders(files) : undefined) ?? builtinPageTypes();
  tables.set(base, table);
  return table;
}

// ─────────────────────────────── three-valued words ───────────────────────────────

/** A 64-bit word whose `known` bits are `bits`; the others may be anything. */
export interface Word {
  bits: bigint;
  known: bigint;
}

const exact = (n: bigint): Word => ({ bits: n & ALL, known: ALL });
const UNKNOWN: Word = { bits: 0n, known: 0n };
const TRUE = exact(1n);
const FALSE = exact(0n);
const isExact = (w: Word): boolean => w.known === ALL;
const truth = (w: Word): boolean | undefined => ((w.bits & w.known) !== 0n ? true : isExact(w) ? false : undefined);
const fromTruth = (t: boolean | undefined): Word => (t === undefined ? UNKNOWN : t ? TRUE : FALSE);
const min = (w: Word): bigint => w.bits & w.known;
const max = (w: Word): bigint => (w.bits | ~w.known) & ALL;

function and(a: Word, b: Word): Word {
  const known = ((a.known & b.known) | (a.known & ~a.bits) | (b.known & ~b.bits)) & ALL;
  return { bits: a.bits & b.bits & known, known };
}
function or(a: Word, b: Word): Word {
  const known = ((a.known & b.known) | (a.known & a.bits) | (b.known & b.bits)) & ALL;
  return { bits: (a.bits | b.bits) & known, known };
}
const join = (a: Word, b: Word): Word => {
  const known = a.known & b.known & ~(a.bits ^ b.bits) & ALL;
  return { bits: a.bits & known, known };
};

/** Bits at or above the lowest unknown bit's carry reach: `x + 1` keeps the type of x. */
function addKeepsHigh(a: Word, b: Word, sub: boolean, carryLimit: bigint): Word {
  if (isExact(a) && isExact(b)) return exact(sub ? a.bits - b.bits : a.bits + b.bits);
  // The count field is checked for overflow by Xen before it is used: a small constant
  // added to a type_info word changes the count, never the bits above it.
  const [word, constant] = isExact(b) ? [a, b] : isExact(a) && !sub ? [b, a] : [undefined, undefined];
  if (!word || !constant || constant.bits > carryLimit) return UNKNOWN;
  const high = ~carryLimit & ALL;
  return { bits: word.bits & high & word.known, known: word.known & high };
}

function parseNumber(text: string): bigint | undefined {
  const t = text.replace(/[uUlL]+$/, '');
  try {
    if (/^0[xX][0-9a-fA-F]+$/.test(t) || /^0[bB][01]+$/.test(t)) return BigInt(t);
    if (/^0[0-7]+$/.test(t)) return BigInt(`0o${t.slice(1)}`);
    if (/^\d+$/.test(t)) return BigInt(t);
  } catch {
    return undefined;
  }
  return undefined;
}

const unwrap = (n: SyntaxNode): SyntaxNode => (n.type === 'parenthesized_expression' && n.namedChildCount === 1 ? unwrap(n.namedChildren[0]!) : n);

interface EvalEnv {
  constants: ReadonlyMap<string, bigint>;
  /** Leaf expressions (normalized text) bound to a word. */
  inputs: ReadonlyMap<string, Word>;
  carryLimit: bigint;
}

function evalNode(node: SyntaxNode, env: EvalEnv, depth = 0): Word {
  if (depth > 200) return UNKNOWN;
  const n = unwrap(node);
  const bound = env.inputs.get(normalizeSpace(n.text));
  if (bound) return bound;
  const sub = (c: SyntaxNode | null): Word => (c ? evalNode(c, env, depth + 1) : UNKNOWN);
  switch (n.type) {
    case 'number_literal': {
      const v = parseNumber(n.text);
      return v === undefined ? UNKNOWN : exact(v);
    }
    case 'true':
      return TRUE;
    case 'false':
      return FALSE;
    case 'identifier': {
      const v = env.constants.get(n.text);
      return v === undefined ? UNKNOWN : exact(v);
    }
    case 'cast_expression':
      return sub(n.childForFieldName('value'));
    case 'call_expression': {
      const fn = n.childForFieldName('function')?.text;
      const args = n.childForFieldName('arguments')?.namedChildren ?? [];
      if ((fn === 'likely' || fn === 'unlikely') && args.length === 1) return fromTruth(truth(sub(args[0]!)));
      return UNKNOWN;
    }
    case 'unary_expression': {
      const op = n.childForFieldName('operator')?.text;
      const v = sub(n.childForFieldName('argument'));
      if (op === '!') {
        const t = truth(v);
        return fromTruth(t === undefined ? undefined : !t);
      }
      if (op === '~') return { bits: ~v.bits & v.known & ALL, known: v.known };
      if (op === '-' && isExact(v)) return exact(-v.bits);
      if (op === '+') return v;
      return UNKNOWN;
    }
    case 'binary_expression': {
      const op = n.childForFieldName('operator')?.text ?? '';
      const a = sub(n.childForFieldName('left'));
      if (op === '&&' || op === '||') {
        const ta = truth(a);
        if (op === '&&' && ta === false) return FALSE;
        if (op === '||' && ta === true) return TRUE;
        const tb = truth(sub(n.childForFieldName('right')));
        if (op === '&&') return fromTruth(tb === false ? false : ta === true && tb === true ? true : undefined);
        return fromTruth(tb === true ? true : ta === false && tb === false ? false : undefined);
      }
      const b = sub(n.childForFieldName('right'));
      switch (op) {
        case '&':
          return and(a, b);
        case '|':
          return or(a, b);
        case '^': {
          const known = a.known & b.known;
          return { bits: (a.bits ^ b.bits) & known, known };
        }
        case '+':
          return addKeepsHigh(a, b, false, env.carryLimit);
        case '-':
          return addKeepsHigh(a, b, true, env.carryLimit);
        case '<<':
        case '>>': {
          if (!isExact(b) || b.bits >= WIDTH) return UNKNOWN;
          const k = b.bits;
          if (op === '<<') return { bits: (a.bits << k) & ALL, known: ((a.known << k) | ((1n << k) - 1n)) & ALL };
          return { bits: a.bits >> k, known: ((a.known >> k) | (ALL & ~(ALL >> k))) & ALL };
        }
        case '==':
        case '!=': {
          const differ = (a.known & b.known & (a.bits ^ b.bits)) !== 0n;
          const eq = differ ? false : isExact(a) && isExact(b) ? true : undefined;
          return fromTruth(eq === undefined ? undefined : op === '==' ? eq : !eq);
        }
        case '<':
          return fromTruth(max(a) < min(b) ? true : min(a) >= max(b) ? false : undefined);
        case '<=':
          return fromTruth(max(a) <= min(b) ? true : min(a) > max(b) ? false : undefined);
        case '>':
          return fromTruth(min(a) > max(b) ? true : max(a) <= min(b) ? false : undefined);
        case '>=':
          return fromTruth(min(a) >= max(b) ? true : max(a) < min(b) ? false : undefined);
        default:
          return UNKNOWN;
      }
    }
    case 'conditional_expression': {
      const c = truth(sub(n.childForFieldName('condition')));
      const yes = sub(n.childForFieldName('consequence'));
      const no = sub(n.childForFieldName('alternative'));
      return c === true ? yes : c === false ? no : join(yes, no);
    }
    default:
      return UNKNOWN;
  }
}

function exactValue(text: string, constants: ReadonlyMap<string, bigint>): bigint | undefined {
  const node = parseExpression(text);
  if (!node) return undefined;
  const w = evalNode(node, { constants, inputs: new Map(), carryLimit: 0n });
  return isExact(w) ? w.bits : undefined;
}

// ─────────────────────────────── situations ───────────────────────────────

/** A leaf of the condition whose type the condition tests: each is enumerated over the table. */
export interface TypeInput {
  /** The expression as written (`x`, `type`, `page->u.inuse.type_info`). */
  text: string;
  /** `old`: the page's type before the change; `new`: the type asked for (a parameter such as `type`). */
  role: 'old' | 'new';
  /** Compared bare with a type (`type == PGT_writable_page`): the word is the type exactly; else only its type bits are known. */
  bare: boolean;
}

/** The type a caller asks for is the new one; everything read from the page is the old one. */
const NEW_TYPE = /^(type|new_?type|nt|nx|new_?type_?info)$/;

const LEAF = new Set(['identifier', 'field_expression', 'subscript_expression', 'call_expression', 'pointer_expression']);

function leavesOf(node: SyntaxNode, constants: ReadonlyMap<string, bigint>, out: Set<string>): void {
  const n = unwrap(node);
  if (n.type === 'call_expression') {
    const fn = n.childForFieldName('function')?.text;
    if (fn !== 'likely' && fn !== 'unlikely' && fn !== 'ACCESS_ONCE' && fn !== 'read_atomic') {
      out.add(normalizeSpace(n.text));
      return;
    }
    for (const a of n.childForFieldName('arguments')?.namedChildren ?? []) leavesOf(a, constants, out);
    return;
  }
  if (LEAF.has(n.type)) {
    if (n.type === 'identifier' && (constants.has(n.text) || n.text === 'true' || n.text === 'false')) return;
    out.add(normalizeSpace(n.text));
    return;
  }
  for (const c of n.namedChildren) leavesOf(c, constants, out);
}

/** The leaves whose type a condition tests: masked with PGT_type_mask, or compared with a type. */
export function typeInputs(condition: string, table: PageTypeTable = builtinPageTypes()): TypeInput[] {
  if (!/PGT_/.test(condition) || condition.length > MAX_CONDITION) return [];
  const root = parseExpression(condition);
  if (!root) return [];
  const typeNames = new Set([...table.types.map((t) => t.name), 'PGT_root_page_table']);
  const masked = new Set<string>();
  const bare = new Set<string>();
  const visit = (node: SyntaxNode): void => {
    const n = unwrap(node);
    if (n.type === 'binary_expression') {
      const op = n.childForFieldName('operator')?.text ?? '';
      const l = unwrap(n.childForFieldName('left')!);
      const r = unwrap(n.childForFieldName('right')!);
      if (op === '&' && (l.text === 'PGT_type_mask' || r.text === 'PGT_type_mask')) leavesOf(l.text === 'PGT_type_mask' ? r : l, table.constants, masked);
      if (['==', '!=', '<', '<=', '>', '>='].includes(op)) {
        // Compared with a type, or with a masked type (`(x & PGT_type_mask) != type`): the other side is a type.
        const isType = (s: SyntaxNode): boolean => typeNames.has(s.text) || (s.type === 'binary_expression' && s.childForFieldName('operator')?.text === '&' && /\bPGT_type_mask\b/.test(s.text));
        const other = isType(l) ? r : isType(r) ? l : undefined;
        if (other && LEAF.has(other.type) && other.type !== 'call_expression') leavesOf(other, table.constants, bare);
      }
    }
    for (const c of n.namedChildren) visit(c);
  };
  visit(root);
  const texts = [...new Set([...masked, ...bare])].sort();
  return texts.map((text) => ({ text, role: NEW_TYPE.test(text) ? 'new' : 'old', bare: bare.has(text) }));
}

/** At most this many inputs are enumerated (8 types each); more stay unknown. */
const MAX_INPUTS = 3;
/** Conditions longer than this (a hostile patch) are not enumerated: they say nothing. */
const MAX_CONDITION = 2000;

export interface Situation {
  /** Input text → the type it holds. */
  types: Record<string, string>;
  holds: boolean | undefined;
}

/** The condition under every combination of types for its type inputs (inputs sorted by text). */
export function situations(condition: string, table: PageTypeTable = builtinPageTypes(), inputs: TypeInput[] = typeInputs(condition, table)): Situation[] {
  if (condition.length > MAX_CONDITION) return [];
  const root = parseExpression(condition);
  if (!root) return [];
  const used = inputs.slice(0, MAX_INPUTS);
  const carryLimit = table.constants.get('PGT_count_mask') ?? (table.mask & -table.mask) - 1n;
  const out: Situation[] = [];
  const assign = (i: number, bound: Map<string, Word>, types: Record<string, string>): void => {
    if (i === used.length) {
      out.push({ types: { ...types }, holds: truth(evalNode(root, { constants: table.constants, inputs: bound, carryLimit })) });
      return;
    }
    const input = used[i]!;
    for (const t of table.types) {
      bound.set(input.text, input.bare ? exact(t.value) : { bits: t.value, known: table.mask });
      types[input.text] = t.name;
      assign(i + 1, bound, types);
    }
    bound.delete(input.text);
    delete types[input.text];
  };
  assign(0, new Map(), {});
  return out;
}

export interface OldTypeTest {
  /** The old-type input the condition reads (`x`, `page->u.inuse.type_info`). */
  input: string;
  /** Old types under which the condition may hold (true for some other inputs, or unknown). */
  reach: PageType[];
  /** `holds`: only page-table types reach it; `fails`: none does; undefined: both kinds do. */
  verdict: 'holds' | 'fails' | undefined;
}

/**
 * Which old types a condition lets through. Undefined when it reads no old type
 * (or cannot be parsed): then it says nothing about the page's old type.
 */
export function oldTypeTest(condition: string, table: PageTypeTable = builtinPageTypes()): OldTypeTest | undefined {
  const inputs = typeInputs(condition, table);
  const old = inputs.find((i) => i.role === 'old');
  if (!old) return undefined;
  const cells = situations(condition, table, inputs);
  if (cells.length === 0) return undefined;
  const reach = table.types.filter((t) => cells.some((c) => c.types[old.text] === t.name && c.holds !== false));
  // A condition no old type changes is no test of the old type.
  const decided = table.types.some((t) => cells.some((c) => c.types[old.text] === t.name && c.holds === false));
  if (!decided) return undefined;
  const pt = reach.filter((t) => t.pageTable).length;
  const verdict = reach.length > 0 && pt === reach.length ? 'holds' : pt === 0 ? 'fails' : undefined;
  return { input: old.text, reach, verdict };
}

/** `a`, `b` → `(a) && (b)`: several conditions as one. */
export const conjunction = (conditions: readonly string[]): string => (conditions.length === 1 ? conditions[0]! : conditions.map((c) => `(${c})`).join(' && '));

/** Short names for evidence: `PGT_l2_page_table` → `l2_page_table`. */
export const typeNames = (types: readonly PageType[]): string => types.map((t) => t.name.replace(/^PGT_/, '')).join(', ');

/**
 * The old types among `among` under which `condition` may take `value` (true, false,
 * or unknown for some other input). Undefined when the condition reads no old type.
 */
export function oldTypesWhere(condition: string, value: boolean, among: readonly PageType[], table: PageTypeTable = builtinPageTypes()): PageType[] | undefined {
  const inputs = typeInputs(condition, table);
  const old = inputs.find((i) => i.role === 'old');
  if (!old) return undefined;
  const cells = situations(condition, table, inputs);
  return among.filter((t) => cells.some((c) => c.types[old.text] === t.name && (c.holds === undefined || c.holds === value)));
}

/** Table entries by name (names the table does not know are left out). */
export const typesNamed = (names: readonly string[], table: PageTypeTable = builtinPageTypes()): PageType[] => table.types.filter((t) => names.includes(t.name));

// ─────────────────────────────── coverage of a guard ───────────────────────────────

/** Leaves a condition tests for truth (`need_tlbflush`, `!cpumask_empty(m)`): enumerated as 0 and 1. */
function truthInputs(condition: string, table: PageTypeTable, typed: ReadonlySet<string>): string[] {
  const root = parseExpression(condition);
  if (!root) return [];
  const out = new Set<string>();
  const visit = (node: SyntaxNode, tested: boolean): void => {
    const n = unwrap(node);
    if (tested && LEAF.has(n.type) && !typed.has(normalizeSpace(n.text))) {
      const fn = n.type === 'call_expression' ? n.childForFieldName('function')?.text : undefined;
      if (fn === 'likely' || fn === 'unlikely') {
        for (const a of n.childForFieldName('arguments')?.namedChildren ?? []) visit(a, true);
        return;
      }
      if (!(n.type === 'identifier' && table.constants.has(n.text))) out.add(normalizeSpace(n.text));
      return;
    }
    const op = n.type === 'binary_expression' ? n.childForFieldName('operator')?.text : n.type === 'unary_expression' ? n.childForFieldName('operator')?.text : undefined;
    // A bit test (`l2e_get_flags(ol2e) & _PAGE_PRESENT`) is one truth, as a call is; page-type tests are enumerated by type instead.
    if (tested && op === '&' && !/\bPGT_/.test(n.text)) {
      out.add(normalizeSpace(n.text));
      return;
    }
    // `e != 0` and `e == 0` test e's truth.
    if ((op === '==' || op === '!=') && n.namedChildren.some((c) => unwrap(c).text === '0')) {
      for (const c of n.namedChildren) if (unwrap(c).text !== '0') visit(c, true);
      return;
    }
    const logical = op === '&&' || op === '||' || op === '!';
    for (const c of n.namedChildren) visit(c, logical);
  };
  visit(root, true);
  return [...out].sort();
}

export interface LostSituation {
  /** Input → what it holds in that situation (a type name, or `true` / `false`). */
  situation: Record<string, string>;
}

/** At most this many truth inputs are enumerated beside the type inputs. */
const MAX_TRUTH_INPUTS = 4;

/**
 * The situations a flush ran in under `before` and no longer runs in under `after`
 * (both read through their values): every combination of the old and new types and
 * of the truths the conditions test. Empty when nothing was lost (or nothing known).
 */
export function lostSituations(before: string, after: string, table: PageTypeTable = builtinPageTypes()): LostSituation[] {
  const both = `(${before}) || (${after})`;
  if (both.length > 2 * MAX_CONDITION) return [];
  const typed = typeInputs(both, table).slice(0, MAX_INPUTS);
  const truths = truthInputs(both, table, new Set(typed.map((t) => t.text))).slice(0, MAX_TRUTH_INPUTS);
  const nodes = [parseExpression(before), parseExpression(after)];
  if (!nodes[0] || !nodes[1]) return [];
  const carryLimit = table.constants.get('PGT_count_mask') ?? (table.mask & -table.mask) - 1n;
  const lost: LostSituation[] = [];
  const bound = new Map<string, Word>();
  const named: Record<string, string> = {};
  const assignTruths = (i: number): void => {
    if (lost.length >= 8) return;
    if (i === truths.length) {
      const env = { constants: table.constants, inputs: bound, carryLimit };
      // Ran (or may have run) before, and certainly does not now.
      if (truth(evalNode(nodes[0]!, env)) !== false && truth(evalNode(nodes[1]!, env)) === false) lost.push({ situation: { ...named } });
      return;
    }
    for (const v of [true, false]) {
      bound.set(truths[i]!, v ? TRUE : FALSE);
      named[truths[i]!] = String(v);
      assignTruths(i + 1);
    }
    bound.delete(truths[i]!);
    delete named[truths[i]!];
  };
  const assignTypes = (i: number): void => {
    if (i === typed.length) {
      assignTruths(0);
      return;
    }
    const input = typed[i]!;
    for (const t of table.types) {
      bound.set(input.text, input.bare ? exact(t.value) : { bits: t.value, known: table.mask });
      named[input.text] = t.name;
      assignTypes(i + 1);
    }
    bound.delete(input.text);
    delete named[input.text];
  };
  assignTypes(0);
  return lost;
}

let builtinTable: PageTypeTable | undefined;

/**
 * The table used when the tree's headers are not in view (marked so in
 * `source`). Built on first use, not when the module loads: it parses C
 * snippets, which a run that reads the tree's own table never needs.
 */
export function builtinPageTypes(): PageTypeTable {
  if (!builtinTable) {
    const defs = new Map<string, MacroDef>();
    macroDefinitions(BUILTIN_HEADER, defs);
    macroDefinitions(BUILTIN_DEFINES, defs);
    builtinTable = tableFrom(defs, 'built-in (Xen x86_64 layout: PGT_none … PGT_writable_page in bits 61-63, PGT_root_page_table = PGT_l4_page_table)')!;
  }
  return builtinTable;
}
