import { describe, expect, it } from 'vitest';
import { bind, identifierTokens, substitute, templateCalls } from '../../src/model/expand.js';

describe('macro arguments', () => {
  it('binds parameters to arguments, with __VA_ARGS__', () => {
    expect([...bind(['m', 'f'], ['&mask', 'FLUSH_TLB'])]).toEqual([
      ['m', '&mask'],
      ['f', 'FLUSH_TLB'],
    ]);
    expect(bind(['fmt', '...'], ['"x"', 'a', 'b']).get('__VA_ARGS__')).toBe('a, b');
  });

  it('substitutes parameter tokens, not substrings or strings', () => {
    const out = substitute('flush_mask(mask, FLUSH_TLB | masked) /* mask */', new Map([['mask', '&m']]));
    expect(out).toBe('flush_mask(&m, FLUSH_TLB | masked) /* mask */');
    expect(substitute('"mask" + mask', new Map([['mask', 'x']]))).toBe('"mask" + x');
  });

  it('parenthesizes an argument used as an operand, not as a call argument', () => {
    expect(substitute('!(sync)', new Map([['sync', 'a || b']]))).toBe('!(a || b)');
    expect(substitute('sync && x', new Map([['sync', 'a || b']]))).toBe('(a || b) && x');
    expect(substitute('f(sync)', new Map([['sync', 'a || b']]))).toBe('f(a || b)');
    expect(substitute('sync && x', new Map([['sync', 'ok']]))).toBe('ok && x');
  });

  it('replaces a parameter after -> as the preprocessor does', () => {
    expect(substitute('(d)->dirty_cpumask', new Map([['d', 'dom']]))).toBe('(dom)->dirty_cpumask');
  });
});

describe('calls of a macro body', () => {
  it('lists outermost calls (a condition’s too) with the branch conditions inside the body', () => {
    const calls = templateCalls('do { if ( is_pv(d) ) flush_mask(d->mask, FLUSH_TLB); else flush_tlb_mask(get(d)); } while ( 0 )');
    expect(calls.map((c) => [c.name, c.guards])).toEqual([
      ['is_pv', []],
      ['flush_mask', ['is_pv(d)']],
      ['flush_tlb_mask', ['!(is_pv(d))']],
    ]);
  });

  it('treats a conditional expression as a branch', () => {
    const calls = templateCalls('s ? flush_a(m) : flush_b(m)');
    expect(calls.map((c) => [c.name, c.guards])).toEqual([
      ['flush_a', ['s']],
      ['flush_b', ['!(s)']],
    ]);
  });

  it('finds the identifiers a text mentions', () => {
    expect([...identifierTokens('flush_mask(m, FLUSH_TLB | FLUSH_ORDER(0))')].sort()).toEqual(['FLUSH_ORDER', 'FLUSH_TLB', 'flush_mask', 'm']);
  });
});
