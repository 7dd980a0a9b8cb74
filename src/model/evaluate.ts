import { normalizeSpace, parseExpression, parseSnippet, unparenthesize, type SyntaxNode } from '../parser/c/tree-sitter.js';

/**
 * Three-valued evaluation of C and preprocessor expressions over tree-sitter
 * nodes. A value is a 32-bit word whose bits are each known 1, known 0 or
 * unknown, so `FLUSH_TLB | x` still tells that the FLUSH_TLB bit is set.
 * A conditional expression whose condition is unknown splits the value into
 * alternatives, each labelled with the condition text under which it holds.
 */

const FULL = 0xffffffff;

export interface Bits {
  /** Bits known to be 1. */
  ones: number;
  /** Bits known to be 0. */
  zeros: number;
}

export const UNKNOWN: Bits = { ones: 0, zeros: 0 };
export const exact = (value: number): Bits => ({ ones: value >>> 0, zeros: ~value >>> 0 });
export const isExact = (b: Bits): boolean => (b.ones | b.zeros) >>> 0 === FULL;

/** Truth of a value: true when some bit is known 1, false when all are known 0. */
export function truthOf(b: Bits): boolean | undefined {
  if (b.ones !== 0) return true;
  if (isExact(b)) return false;
  return undefined;
}

/** A condition on the way to a value, with where it was written. */
export interface Cond {
  text: string;
  /** The definition or call that wrote it (a `source` string). */
  at?: string;
}

export interface Alt {
  /** Conjunction of conditions under which `value` holds. */
  conds: Cond[];
  value: Bits;
}

/** How names, `defined()` and calls are resolved: undefined means unknown. */
export interface EvalEnv {
  identifier(name: string): Alt[] | undefined;
  defined(name: string): boolean | undefined;
  call(name: string, args: SyntaxNode[]): Alt[] | undefined;
  /** Where text of this expression was written, for the conditions it yields. */
  at?: string;
}

/** More alternatives than this are joined into one value (bits they agree on). */
const MAX_ALTS = 32;

const one = (value: Bits): Alt[] => [{ conds: [], value }];

export function join(alts: readonly Alt[]): Bits {
  if (alts.length === 0) return UNKNOWN;
  let ones = FULL;
  let zeros = FULL;
  for (const a of alts) {
    ones &= a.value.ones;
    zeros &= a.value.zeros;
  }
  return { ones: ones >>> 0, zeros: zeros >>> 0 };
}

/** Truth over every alternative: known only when they all agree. */
export function truthOfAlts(alts: readonly Alt[]): boolean | undefined {
  const truths = alts.map((a) => truthOf(a.value));
  if (truths.every((t) => t === true)) return true;
  if (truths.every((t) => t === false)) return false;
  return undefined;
}

const negation = (text: string): string => (text.startsWith('!(') && text.endsWith(')') && balancedInside(text.slice(2, -1)) ? text.slice(2, -1) : `!(${text})`);

/** `(a) || (b)` is not one parenthesized group: check the inside balances on its own. */
function balancedInside(text: string): boolean {
  let depth = 0;
  for (const ch of text) {
    if (ch === '(') depth++;
    else if (ch === ')' && --depth < 0) return false;
  }
  return depth === 0;
}

export const negate = (cond: Cond): Cond => ({ ...cond, text: negation(cond.text) });

/** A conjunction that holds a condition and its negation cannot happen. */
function contradictory(conds: readonly Cond[]): boolean {
  const texts = new Set(conds.map((c) => c.text));
  for (const t of texts) if (texts.has(negation(t))) return true;
  return false;
}

export function mergeConds(a: readonly Cond[], b: readonly Cond[]): Cond[] {
  const out = [...a];
  for (const c of b) if (!out.some((o) => o.text === c.text)) out.push(c);
  return out;
}

function combine(left: Alt[], right: Alt[], op: (a: Bits, b: Bits) => Bits): Alt[] {
  const out: Alt[] = [];
  for (const l of left) {
    for (const r of right) {
      const conds = mergeConds(l.conds, r.conds);
      if (contradictory(conds)) continue;
      out.push({ conds, value: op(l.value, r.value) });
    }
  }
  return out.length > MAX_ALTS ? one(join(out)) : out;
}

const map = (alts: Alt[], op: (a: Bits) => Bits): Alt[] => alts.map((a) => ({ conds: a.conds, value: op(a.value) }));

const value = (b: Bits): number | undefined => (isExact(b) ? b.ones : undefined);
const signed = (n: number): number => n | 0;

function arithmetic(op: (a: number, b: number) => number | undefined): (a: Bits, b: Bits) => Bits {
  return (a, b) => {
    const x = value(a);
    const y = value(b);
    if (x === undefined || y === undefined) return UNKNOWN;
    const r = op(x, y);
    return r === undefined || !Number.isFinite(r) ? UNKNOWN : exact(r);
  };
}

const fromBool = (t: boolean | undefined): Bits => (t === undefined ? { ones: 0, zeros: (FULL & ~1) >>> 0 } : exact(t ? 1 : 0));

const BINARY: Record<string, (a: Bits, b: Bits) => Bits> = {
  '|': (a, b) => ({ ones: (a.ones | b.ones) >>> 0, zeros: (a.zeros & b.zeros) >>> 0 }),
  '&': (a, b) => ({ ones: (a.ones & b.ones) >>> 0, zeros: (a.zeros | b.zeros) >>> 0 }),
  '^': (a, b) => {
    const known = (a.ones | a.zeros) & (b.ones | b.zeros);
    const x = (a.ones ^ b.ones) & known;
    return { ones: x >>> 0, zeros: (known & ~x) >>> 0 };
  },
  '+': arithmetic((a, b) => a + b),
  '-': arithmetic((a, b) => a - b),
  '*': arithmetic((a, b) => Math.imul(a, b)),
  '/': arithmetic((a, b) => (b === 0 ? undefined : Math.trunc(signed(a) / signed(b)))),
  '%': arithmetic((a, b) => (b === 0 ? undefined : signed(a) % signed(b))),
  '<<': arithmetic((a, b) => (b >= 32 ? undefined : a << b)),
  '>>': arithmetic((a, b) => (b >= 32 ? undefined : a >>> b)),
  '==': arithmetic((a, b) => (a === b ? 1 : 0)),
  '!=': arithmetic((a, b) => (a !== b ? 1 : 0)),
  '<': arithmetic((a, b) => (signed(a) < signed(b) ? 1 : 0)),
  '>': arithmetic((a, b) => (signed(a) > signed(b) ? 1 : 0)),
  '<=': arithmetic((a, b) => (signed(a) <= signed(b) ? 1 : 0)),
  '>=': arithmetic((a, b) => (signed(a) >= signed(b) ? 1 : 0)),
  // Three-valued: false && unknown is false, true || unknown is true.
  '&&': (a, b) => {
    const x = truthOf(a);
    const y = truthOf(b);
    return fromBool(x === false || y === false ? false : x === true && y === true ? true : undefined);
  },
  '||': (a, b) => {
    const x = truthOf(a);
    const y = truthOf(b);
    return fromBool(x === true || y === true ? true : x === false && y === false ? false : undefined);
  },
};

/** `0x8000`, `0400`, `12UL`, `0b101` → their value; undefined past 32 bits. */
export function numberLiteral(text: string): number | undefined {
  const t = text.replace(/[uUlL]+$/, '').replace(/'/g, '');
  let n: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(t)) n = parseInt(t.slice(2), 16);
  else if (/^0[bB][01]+$/.test(t)) n = parseInt(t.slice(2), 2);
  else if (/^0[0-7]*$/.test(t)) n = parseInt(t, 8);
  else if (/^[1-9][0-9]*$/.test(t)) n = parseInt(t, 10);
  else return undefined;
  return n > FULL ? undefined : n;
}

/** Evaluates one expression node to its alternatives. */
export function evaluate(node: SyntaxNode, env: EvalEnv): Alt[] {
  switch (node.type) {
    case 'number_literal': {
      const n = numberLiteral(node.text);
      return one(n === undefined ? UNKNOWN : exact(n));
    }
    case 'true':
      return one(exact(1));
    case 'false':
      return one(exact(0));
    case 'identifier':
      return env.identifier(node.text) ?? one(UNKNOWN);
    case 'preproc_defined': {
      const name = node.namedChildren.find((c) => c.type === 'identifier');
      return one(fromBool(name ? env.defined(name.text) : undefined));
    }
    case 'parenthesized_expression': {
      const inner = node.namedChildren.filter((c) => c.type !== 'comment');
      return inner.length === 1 ? evaluate(inner[0]!, env) : one(UNKNOWN);
    }
    case 'cast_expression': {
      const v = node.childForFieldName('value');
      return v ? evaluate(v, env) : one(UNKNOWN);
    }
    case 'comma_expression': {
      const right = node.childForFieldName('right');
      return right ? evaluate(right, env) : one(UNKNOWN);
    }
    case 'unary_expression': {
      const arg = node.childForFieldName('argument');
      const op = node.childForFieldName('operator')?.text ?? node.child(0)?.text;
      if (!arg) return one(UNKNOWN);
      const inner = evaluate(arg, env);
      switch (op) {
        case '!':
          return map(inner, (b) => fromBool(negateTruth(truthOf(b))));
        case '~':
          return map(inner, (b) => ({ ones: b.zeros, zeros: b.ones }));
        case '-':
          return map(inner, (b) => (isExact(b) ? exact(-b.ones) : UNKNOWN));
        case '+':
          return inner;
        default:
          return one(UNKNOWN);
      }
    }
    case 'binary_expression': {
      const left = node.childForFieldName('left');
      const right = node.childForFieldName('right');
      const op = node.childForFieldName('operator')?.text ?? '';
      const fn = BINARY[op];
      if (!left || !right || !fn) return one(UNKNOWN);
      const l = evaluate(left, env);
      // Short circuit, so an unknown right side does not blur a known answer.
      if (op === '&&' && truthOfAlts(l) === false) return one(exact(0));
      if (op === '||' && truthOfAlts(l) === true) return one(exact(1));
      return combine(l, evaluate(right, env), fn);
    }
    case 'conditional_expression': {
      const condition = node.childForFieldName('condition');
      const consequence = node.childForFieldName('consequence');
      const alternative = node.childForFieldName('alternative');
      if (!condition || !consequence || !alternative) return one(UNKNOWN);
      const c = evaluate(condition, env);
      const out: Alt[] = [];
      for (const alt of c) {
        const t = truthOf(alt.value);
        if (t === true) out.push(...withConds(evaluate(consequence, env), alt.conds));
        else if (t === false) out.push(...withConds(evaluate(alternative, env), alt.conds));
        else {
          const cond: Cond = { text: unparenthesize(condition), ...(env.at ? { at: env.at } : {}) };
          out.push(...withConds(evaluate(consequence, env), [...alt.conds, cond]));
          out.push(...withConds(evaluate(alternative, env), [...alt.conds, negate(cond)]));
        }
      }
      return out.length > MAX_ALTS ? one(join(out)) : out;
    }
    case 'call_expression':
    case 'preproc_call_expression': {
      const fn = node.childForFieldName('function');
      const args = node.childForFieldName('arguments')?.namedChildren.filter((a) => a.type !== 'comment') ?? [];
      if (fn?.type !== 'identifier') return one(UNKNOWN);
      return env.call(fn.text, args) ?? one(UNKNOWN);
    }
    default:
      return one(UNKNOWN);
  }
}

const negateTruth = (t: boolean | undefined): boolean | undefined => (t === undefined ? undefined : !t);

function withConds(alts: Alt[], conds: Cond[]): Alt[] {
  return alts.flatMap((a) => {
    const merged = mergeConds(conds, a.conds);
    return contradictory(merged) ? [] : [{ conds: merged, value: a.value }];
  });
}

// ─────────────────────────── parsing expressions ───────────────────────────

/** Parses an `#if` condition with tree-sitter's preprocessor grammar. */
export function parsePreprocessorCondition(text: string): SyntaxNode | null {
  const top = parseSnippet('condition', normalizeSpace(text)).tree.rootNode.namedChildren[0];
  return (top?.type === 'preproc_if' && !top.hasError ? top.childForFieldName('condition') : null) ?? null;
}

/** Evaluates expression text; unknown when it does not parse. */
export function evaluateText(text: string, env: EvalEnv): Alt[] {
  const node = parseExpression(text);
  return node ? evaluate(node, env) : one(UNKNOWN);
}
