import { describe, expect, it } from 'vitest';
import { bind, identifierTokens, substitute, templateCalls } from '../../src/model/expand.js';
import { modelIn } from '../helpers/model.js';

describe('macro arguments', () => {
  it('binds parameters to arguments, with __VA_ARGS__', () => {
    expect([...bind(['m', 'f'], ['&mask', 'FLUSH_TLB'])]).toEqual([
      ['m', '&mask'],
      ['f', 'FLUSH_TLB'],
    ]);
    expect(bind(['fmt', '...'], ['"x"', 'a', 'b']).get('__VA_ARGS__')).toBe('a, b');
  });

  it('substitutes parameter tokens, not substrings or strings', () => {
    const out = substitute('flush_mask(mask, FLUSH_TLB | masked) /* mask */', new Map([['mask', '&m']]), 'preprocessor');
    expect(out).toBe('flush_mask(&m, FLUSH_TLB | masked) /* mask */');
    expect(substitute('"mask" + mask', new Map([['mask', 'x']]), 'preprocessor')).toBe('"mask" + x');
  });

  it('parenthesizes an argument used as an operand, not as a call argument', () => {
    expect(substitute('!(sync)', new Map([['sync', 'a || b']]), 'preprocessor')).toBe('!(a || b)');
    expect(substitute('sync && x', new Map([['sync', 'a || b']]), 'preprocessor')).toBe('(a || b) && x');
    expect(substitute('f(sync)', new Map([['sync', 'a || b']]), 'preprocessor')).toBe('f(a || b)');
    expect(substitute('sync && x', new Map([['sync', 'ok']]), 'preprocessor')).toBe('ok && x');
  });

  it('replaces a parameter after -> as the preprocessor does', () => {
    expect(substitute('(d)->dirty_cpumask', new Map([['d', 'dom']]), 'preprocessor')).toBe('(dom)->dirty_cpumask');
    expect(substitute('r->sync', new Map([['sync', 'true']]), 'preprocessor')).toBe('r->true');
  });
});

describe('function arguments: C scoping', () => {
  it.each([
    ['sync', { sync: 'true' }, 'true'],
    ['!(sync)', { sync: 'false' }, '!(false)'],
    ['!cpumask_empty(&mask)', { mask: 'd->dirty_cpumask' }, '!cpumask_empty(&d->dirty_cpumask)'],
    ['mask->bits', { mask: 'a + b' }, '(a + b)->bits'],
    ['x == y', { x: 'a ? b : c' }, '(a ? b : c) == y'],
    ['mask', { mask: '&m' }, '&m'],
    ['a * b', { a: 'x + 1' }, '(x + 1) * b'],
    // Member names and labels are not parameters.
    ['page->sync', { sync: 'true' }, 'page->sync'],
    ['r->sync', { r: 'req', sync: 'true' }, 'req->sync'],
    ['(struct s){ .sync = sync }', { sync: 'true' }, '(struct s){ .sync = true }'],
    ['cond', {}, 'cond'],
  ])('%s with %j → %s', (expr, bindings, out) => {
    expect(substitute(expr, bindings, 'c')).toBe(out);
  });

  it('an inline function reading a member named like its parameter keeps the member (was req->true)', () => {
    const files = {
      'xen/arch/x86/include/asm/flushtlb.h': [
        '#define FLUSH_TLB 0x100',
        '#define FLUSH_FORCE_IPI 0x8000',
        'void flush_area_mask(const cpumask_t *mask, const void *va, unsigned int flags);',
        '#define flush_mask(mask, flags) flush_area_mask(mask, NULL, flags)',
        'struct flush_req { cpumask_t *mask; bool sync; };',
        'static inline void flush_req_mask(struct flush_req *r, bool sync)',
        '{',
        '    if ( r->sync )',
        '        flush_mask(r->mask, FLUSH_TLB | FLUSH_FORCE_IPI);',
        '    else',
        '        flush_mask(r->mask, FLUSH_TLB);',
        '}',
        '',
      ].join('\n'),
    };
    const model = modelIn({ files, call: 'flush_req_mask(req, true)' });
    expect(model.mechanism).toBe('conditional');
    expect(model.condition).toBe('req->sync');
    expect(JSON.stringify(model)).not.toContain('req->true');
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
