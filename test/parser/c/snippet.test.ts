import { describe, expect, it } from 'vitest';
import { parseExpression, parseSnippet } from '../../../src/parser/c/tree-sitter.js';
import { identifiersIn } from '../../../src/sites/collect.js';

describe('the one C-snippet parser', () => {
  it('parses each kind as what it is, and says where the text sits', () => {
    const body = parseSnippet('statement', 'flush_tlb_mask(m) // trailing comment');
    expect(body.source.slice(body.start, body.end)).toBe('flush_tlb_mask(m) // trailing comment');
    expect(body.tree.rootNode.hasError).toBe(false);
    expect(parseSnippet('condition', 'defined(CONFIG_PV) || defined(CONFIG_SHADOW_PAGING)').tree.rootNode.namedChildren[0]?.type).toBe('preproc_if');
    expect(parseExpression('a ? b : c')?.type).toBe('conditional_expression');
    expect(parseExpression('int x;')).toBeUndefined();
  });

  it('gives the same parse for the same text, and a correct one past its bound', () => {
    expect(parseSnippet('statement', 'f(x)')).toBe(parseSnippet('statement', 'f(x)'));
    for (let i = 0; i < 5000; i++) parseSnippet('expression', `x${i} + 1`);
    expect(parseExpression('mask & FLUSH_TLB')?.type).toBe('binary_expression');
  });

  it('a macro body names only its own identifiers, never the wrapper', () => {
    expect([...identifiersIn('flush_mask(m, FLUSH_TLB)')].sort()).toEqual(['FLUSH_TLB', 'flush_mask', 'm']);
  });
});
