import { describe, expect, it } from 'vitest';
import { parseC } from '../../src/parser/c/tree-sitter.js';
import { maskXenMacros, XEN_ATTRIBUTES, XEN_ITERATORS } from '../../src/xen/macros.js';

/** Function names and the calls in each, as the grammar sees them. */
function functions(text: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const fn of parseC(text).rootNode.descendantsOfType('function_definition')) {
    const name = fn.descendantsOfType('function_declarator')[0]?.childForFieldName('declarator')?.text ?? '(unnamed)';
    out[name] = fn.descendantsOfType('call_expression').map((c) => c.childForFieldName('function')!.text);
  }
  return out;
}

describe('Xen macros and attributes (src/xen/macros.ts)', () => {
  it('keeps every offset and line', () => {
    const text = 'static void cf_check f(void)\n{\n    for_each_online_cpu ( cpu )\n        g(cpu);\n}\n/* ünïcode 🙂 */\n';
    const masked = maskXenMacros(text);
    expect(masked.length).toBe(text.length);
    expect(masked.split('\n').length).toBe(text.split('\n').length);
    expect(masked).toContain('    while               ( cpu )');
  });

  it.each(XEN_ATTRIBUTES.map((a) => [a]))('names a function written with %s', (attr) => {
    expect(Object.keys(functions(`static ${attr} void helper_%(void)\n{\n    flush_tlb_mask(&m);\n}\n`.replace('%', 'a')))).toEqual(['helper_a']);
    expect(Object.keys(functions(`void ${attr} helper_b(int x)\n{\n    flush_tlb_mask(&m);\n}\n`))).toEqual(['helper_b']);
  });

  it('names functions with attributes that take arguments, and leaves their #defines alone', () => {
    expect(Object.keys(functions('static void __section(".text.x") early(void)\n{\n    flush_tlb_all();\n}\n'))).toEqual(['early']);
    const header = '#define cf_check __attribute__((__cf_check__))\n#define for_each_cpu(i, m) for ( (i) = 0; (i) < 8; (i)++ )\n';
    expect(maskXenMacros(header)).toBe(header);
  });

  it.each(XEN_ITERATORS.map((i) => [i]))('an unbraced %s body does not swallow the flush after it', (it) => {
    const text = `void f(struct domain *d)\n{\n    ${it}(a, b)\n        set(a);\n    flush_tlb_mask(&m);\n    ${it} ( a, b )\n    {\n        set(a);\n    }\n    flush_tlb_all();\n}\n`;
    expect(functions(text)).toEqual({ f: ['set', 'flush_tlb_mask', 'set', 'flush_tlb_all'] });
  });

  it('an iterator nested in another, and under an if', () => {
    const text = 'void f(void)\n{\n    for_each_domain ( d )\n        for_each_vcpu ( d, v )\n            if ( v->dirty )\n                touch(v);\n    flush_tlb_mask(&m);\n}\n';
    expect(functions(text)).toEqual({ f: ['touch', 'flush_tlb_mask'] });
  });

  it('a call statement of a for_each function is left a call', () => {
    const text = 'void f(void)\n{\n    pci_for_each_dma_alias(pdev, cb, NULL);\n    flush_tlb_mask(&m);\n}\n';
    expect(maskXenMacros(text)).toBe(text);
    expect(functions(text)).toEqual({ f: ['pci_for_each_dma_alias', 'flush_tlb_mask'] });
  });

  it('a hostile run of unbalanced iterators stays linear', () => {
    const text = '    for_each_cpu(\n'.repeat(20000);
    expect(maskXenMacros(text).length).toBe(text.length);
  });
});
