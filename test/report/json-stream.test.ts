import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prettyJsonPieces } from '../../src/report/json-stream.js';

const streamed = (value: unknown, wholeBudget?: number): string => [...prettyJsonPieces(value, wholeBudget)].join('');

describe('prettyJsonPieces', () => {
  it('writes the bytes of JSON.stringify(value, null, 2) for any JSON value', () => {
    // A budget of 0 walks every container; the default stringifies small ones whole.
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const expected = JSON.stringify(value, null, 2);
        expect(streamed(value, 0)).toBe(expected);
        expect(streamed(value)).toBe(expected);
      }),
    );
  });

  it('leaves out and nulls what JSON.stringify does, and calls toJSON with the key', () => {
    const keys: string[] = [];
    const dated = {
      toJSON: (key: string) => {
        keys.push(key);
        return `at ${key}`;
      },
    };
    const big = Array.from({ length: 5000 }, (_, i) => ({ i, gone: undefined, fn: () => i, list: [undefined, Symbol('s'), dated] }));
    const value = { a: undefined, big, empty: [], none: {}, bare: Object.assign(Object.create(null) as object, { x: 1 }), when: new Date(0), n: Number.NaN };
    const expected = JSON.stringify(value, null, 2);
    keys.length = 0;
    for (const budget of [0, undefined]) expect(streamed(value, budget)).toBe(expected);
    expect(keys.slice(0, 2)).toEqual(['2', '2']);
  });

  it('gives a large document in pieces, none of them near its whole size', () => {
    const hunks = Array.from({ length: 50_000 }, (_, i) => ({ oldStart: i * 10 + 1, oldLines: 1, section: 'static int fn(void)', lines: [] }));
    const run = { patches: [{ files: [{ hunks }] }] };
    const pieces = [...prettyJsonPieces(run)];
    expect(pieces.join('')).toBe(JSON.stringify(run, null, 2));
    expect(pieces.length).toBeGreaterThan(50);
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(1 << 17);
  });
});
