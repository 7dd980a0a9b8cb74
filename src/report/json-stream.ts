/** Characters a piece gathers before it is given out: large enough that writes are few. */
const PIECE = 1 << 16;

/**
 * Nodes (containers, and strings by length) a container may hold and still be
 * stringified whole by V8: one call for many small values, none for a large one.
 */
const WHOLE_BUDGET = 4096;

/** Whether `value`'s JSON is small: counts its nodes until the budget runs out. */
function small(value: unknown, budget: number): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    budget -= typeof v === 'string' ? 1 + (v.length >> 4) : 1;
    if (v !== null && typeof v === 'object') {
      const children = Array.isArray(v) ? v : Object.values(v);
      if (children.length > budget) return false;
      for (const child of children) stack.push(child);
    }
    if (budget < 0) return false;
  }
  return true;
}

/** The value JSON.stringify writes for `value` under `key`: its toJSON first, if it has one. */
function jsonValue(value: unknown, key: string): unknown {
  const toJSON = value !== null && typeof value === 'object' ? (value as { toJSON?: unknown }).toJSON : undefined;
  return typeof toJSON === 'function' ? (toJSON as (key: string) => unknown).call(value, key) : value;
}

/** A plain array or object to walk into; anything else (boxed primitives and the like) goes to V8. */
const walkable = (value: unknown): value is object =>
  value !== null && typeof value === 'object' && (Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null);

/** JSON.stringify(value, null, 2) of a small value, indented to sit at `indent`. */
const whole = (value: unknown, indent: string): string | undefined => JSON.stringify(value, null, 2)?.replace(/\n/g, `\n${indent}`);

/** Gathers text and gives it out in pieces of about PIECE characters. */
class Pieces {
  private parts: string[] = [];
  private size = 0;

  add(text: string): void {
    this.parts.push(text);
    this.size += text.length;
  }

  /** The gathered text once there is enough of it (or `force`), else nothing. */
  take(force = false): string | undefined {
    if (this.size === 0 || (!force && this.size < PIECE)) return undefined;
    const text = this.parts.join('');
    this.parts = [];
    this.size = 0;
    return text;
  }
}

/**
 * `JSON.stringify(value, null, 2)` in pieces, same bytes: a large array or
 * object is walked one member at a time, so no piece is the whole document
 * (a 40 MB series' report would be one string of over 100 MB, then copies of
 * it). A member within `wholeBudget` nodes is stringified whole by V8. Undefined, functions and
 * symbols are left out of objects and written `null` in arrays, as by V8.
 */
export function* prettyJsonPieces(value: unknown, wholeBudget = WHOLE_BUDGET): Generator<string> {
  const pieces = new Pieces();
  yield* member(jsonValue(value, ''), '', pieces, wholeBudget);
  const rest = pieces.take(true);
  if (rest !== undefined) yield rest;
}

/** What JSON.stringify leaves out of an object (and writes `null` for in an array). */
const absent = (v: unknown): boolean => v === undefined || typeof v === 'function' || typeof v === 'symbol';

function* member(value: unknown, indent: string, pieces: Pieces, budget: number): Generator<string> {
  if (!walkable(value) || small(value, budget)) {
    pieces.add(whole(value, indent) ?? 'null');
    return;
  }
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return pieces.add('[]');
    pieces.add('[\n');
    for (let i = 0; i < value.length; i++) {
      const v = jsonValue(value[i], String(i));
      pieces.add(inner);
      if (absent(v)) pieces.add('null');
      else yield* member(v, inner, pieces, budget);
      pieces.add(i + 1 < value.length ? ',\n' : '\n');
      const piece = pieces.take();
      if (piece !== undefined) yield piece;
    }
    pieces.add(`${indent}]`);
    return;
  }
  const entries: [string, unknown][] = [];
  for (const key of Object.keys(value)) {
    const v = jsonValue((value as Record<string, unknown>)[key], key);
    if (!absent(v)) entries.push([key, v]);
  }
  if (entries.length === 0) return pieces.add('{}');
  pieces.add('{\n');
  for (let i = 0; i < entries.length; i++) {
    const [key, v] = entries[i]!;
    pieces.add(`${inner}${JSON.stringify(key)}: `);
    yield* member(v, inner, pieces, budget);
    pieces.add(i + 1 < entries.length ? ',\n' : '\n');
    const piece = pieces.take();
    if (piece !== undefined) yield piece;
  }
  pieces.add(`${indent}}`);
}
