import { describe, expect, it } from 'vitest';
import { parseC, query } from '../src/parser/c/tree-sitter.js';

// tree-sitter-c's peer range lags tree-sitter releases; this pins that the
// installed pair loads the language, parses, and runs queries.
describe('tree-sitter + tree-sitter-c', () => {
  it('parses C and finds a call', () => {
    const tree = parseC('static void f(cpumask_t *m)\n{\n    flush_tlb_mask(m);\n}\n');
    expect(tree.rootNode.hasError).toBe(false);
    const calls = query('(call_expression function: (identifier) @fn)').captures(tree.rootNode);
    expect(calls.map((c) => c.node.text)).toEqual(['flush_tlb_mask']);
  });

  it('parses inputs larger than the default 32 KiB buffer', () => {
    const body = Array.from({ length: 3000 }, (_, i) => `    x${i} = flush_tlb_mask(m);`).join('\n');
    const tree = parseC(`void f(void)\n{\n${body}\n}\n`);
    expect(tree.rootNode.hasError).toBe(false);
    expect(tree.rootNode.descendantsOfType('call_expression')).toHaveLength(3000);
  });
});
