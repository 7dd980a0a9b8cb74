import { describe, expect, it } from 'vitest';
import { evaluateText, exact, isExact, join, numberLiteral, truthOf, UNKNOWN, type Alt, type EvalEnv } from '../../src/model/evaluate.js';

const MACROS: Record<string, number> = { FLUSH_TLB: 0x100, FLUSH_CACHE: 0x400, FLUSH_NO_ASSIST: 0x8000 };

const env: EvalEnv = {
  identifier: (name) => (name in MACROS ? [{ conds: [], value: exact(MACROS[name]!) }] : undefined),
  defined: () => undefined,
  call: () => undefined,
  at: 'here.c:1',
};

const single = (alts: Alt[]): number | undefined => (alts.length === 1 && isExact(alts[0]!.value) ? alts[0]!.value.ones : undefined);

describe('number literals', () => {
  it.each([
    ['0x8000', 0x8000],
    ['0400', 0o400],
    ['12UL', 12],
    ['0', 0],
    ['0b101', 5],
    ['0x1ffffffff', undefined],
    ['1.5', undefined],
  ] as const)('%s', (text, value) => {
    expect(numberLiteral(text)).toBe(value);
  });
});

describe('known-bits evaluation', () => {
  it('ORs flags exactly', () => {
    expect(single(evaluateText('FLUSH_TLB | FLUSH_NO_ASSIST', env))).toBe(0x8100);
  });

  it('keeps known bits through an unknown operand', () => {
    const [alt] = evaluateText('flags | FLUSH_NO_ASSIST', env);
    expect(isExact(alt!.value)).toBe(false);
    expect(alt!.value.ones & 0x8000).toBe(0x8000);
    const [masked] = evaluateText('flags & ~FLUSH_CACHE', env);
    expect(masked!.value.zeros & 0x400).toBe(0x400);
  });

  it('does arithmetic only on known values', () => {
    expect(single(evaluateText('(1u << 15) + 0x100', env))).toBe(0x8100);
    expect(single(evaluateText('x + 1', env))).toBeUndefined();
    expect(single(evaluateText('4 / 0', env))).toBeUndefined();
  });

  it('evaluates logic three-valued with short circuits', () => {
    expect(truthOf(join(evaluateText('unknown_thing && 0', env)))).toBe(false);
    expect(truthOf(join(evaluateText('0 && unknown_thing', env)))).toBe(false);
    expect(truthOf(join(evaluateText('unknown_thing || 1', env)))).toBe(true);
    expect(truthOf(join(evaluateText('unknown_thing || 0', env)))).toBeUndefined();
    expect(truthOf(join(evaluateText('!0', env)))).toBe(true);
    expect(truthOf(join(evaluateText('true', env)))).toBe(true);
    expect(truthOf(join(evaluateText('!(false)', env)))).toBe(true);
  });

  it('splits a conditional with an unknown condition into labelled alternatives', () => {
    const alts = evaluateText('c ? FLUSH_TLB | FLUSH_NO_ASSIST : FLUSH_TLB', env);
    expect(alts.map((a) => [a.conds.map((c) => c.text), a.value.ones])).toEqual([
      [['c'], 0x8100],
      [['!(c)'], 0x100],
    ]);
    expect(alts[0]!.conds[0]!.at).toBe('here.c:1');
  });

  it('takes a decided conditional branch without splitting', () => {
    expect(single(evaluateText('1 ? FLUSH_CACHE : FLUSH_TLB', env))).toBe(0x400);
  });

  it('drops contradictory combinations of the same condition', () => {
    const alts = evaluateText('(c ? 1 : 2) | (c ? 4 : 8)', env);
    expect(alts.map((a) => a.value.ones).sort((a, b) => a - b)).toEqual([5, 10]);
  });

  it('joins to the bits all alternatives agree on', () => {
    expect(
      join([
        { conds: [], value: exact(0x101) },
        { conds: [], value: exact(0x100) },
      ]).ones,
    ).toBe(0x100);
    expect(join([])).toEqual(UNKNOWN);
  });

  it('is unknown on what does not parse', () => {
    expect(single(evaluateText('FLUSH_TLB |', env))).toBeUndefined();
  });
});
