import { describe, expect, it } from 'vitest';
import type { FlatTree } from '../../../src/parser/c/flat-tree.js';
import { flatOf, parseC, TooDeepError, walkPlaced, type SyntaxNode } from '../../../src/parser/c/tree-sitter.js';

// Ours, in Xen's style: preprocessor branches, labels, comments, a function
// pointer, a `?:`, text past ASCII (columns count UTF-16 units) and broken lines (an ERROR
// node whose children the cursor still gives fields, through a hidden node).
const SOURCE = `/* Ünïcode in a comment: é → columns */
#include <xen/sched.h>
#ifndef CONFIG_DEMO
# define demo_flush(m) flush_tlb_mask(m)
#else
# define demo_flush(m) do { } while ( 0 )
#endif

static int (*hook)(struct domain *d, unsigned int flags);

static void cf_check demo_release(struct domain *d, struct page_info *pg[], unsigned int n)
{
    unsigned int i, done = 0;
    const char *name = "né";

    for ( i = 0; i < n; i++ )
    {
        if ( pg[i] == NULL )
            goto out;
        done += test_and_clear_bit(i, &d->mask) ? 1 : 0; /* é */
    }
 out:
    demo_flush(d->dirty_cpumask);
    if ( done )
        printk("%s: %u\\n", name, done);
    else
        hook(d, 0
}

void demo_stray(void)
{
    else
        g(x)

    default:
        h();
}
`;

function compareWith(flat: FlatTree, node: SyntaxNode, index: { next: number }, parent: number): void {
  const i = index.next++;
  expect(flat.type(i)).toBe(node.type);
  expect(flat.isNamed(i)).toBe(node.isNamed);
  expect([flat.start(i), flat.end(i)]).toEqual([node.startIndex, node.endIndex]);
  expect(flat.text(i)).toBe(node.text);
  expect(flat.parent(i)).toBe(parent);
  expect([flat.row(flat.start(i)), flat.column(flat.start(i))]).toEqual([node.startPosition.row, node.startPosition.column]);
  expect(flat.row(flat.end(i))).toBe(node.endPosition.row);
  expect(flat.children(i).length).toBe(node.childCount);
  expect(flat.namedChildren(i).map((c) => flat.text(c))).toEqual(node.namedChildren.map((c) => c.text));
  const fields = new Set(flat.children(i).flatMap((c) => flat.field(c) ?? []));
  for (const field of [...fields, 'declarator', 'condition', 'alternative']) {
    const expected = node.childForFieldName(field);
    const found = flat.childForField(i, field);
    expect(found < 0 ? null : [flat.type(found), flat.start(found), flat.end(found)]).toEqual(expected ? [expected.type, expected.startIndex, expected.endIndex] : null);
  }
  expect(flat.node(i).id).toBe(node.id);
  for (const child of node.children) compareWith(flat, child, index, i);
  expect(flat.subtreeEnd(i)).toBe(index.next);
}

describe('the flat reading of a tree', () => {
  it('gives every node the type, field, range, text, place and children tree-sitter gives it', () => {
    const tree = parseC(SOURCE);
    expect(tree.rootNode.hasError).toBe(true);
    const flat = flatOf(tree);
    const index = { next: 0 };
    compareWith(flat, tree.rootNode, index, -1);
    expect(flat.size).toBe(index.next);
  });

  it('refuses a tree nested too deep at the same row, whether read flat while parsing (a file) or not (a snippet)', () => {
    const nested = `int x = ${'('.repeat(300)}1${')'.repeat(300)};\n`;
    const rowOf = (text: string): number | undefined => {
      try {
        parseC(text);
        return undefined;
      } catch (error) {
        return error instanceof TooDeepError ? error.row : -1;
      }
    };
    expect(rowOf(`/* short */\n\n${nested}`)).toBe(2);
    expect(rowOf(`/* ${'long '.repeat(1000)}*/\n\n${nested}`)).toBe(2);
    expect(rowOf(`/* ${'long '.repeat(1000)}*/\n\nint x = ((1));\n`)).toBeUndefined();
  });

  it('finds any node of its tree, and walks one subtree alone as descendantsOfType does', () => {
    const tree = parseC(SOURCE);
    const flat = flatOf(tree);
    const types = ['call_expression', 'if_statement'];
    for (const node of tree.rootNode.descendantsOfType(['function_definition', 'if_statement', 'identifier'])) {
      const index = flat.find(node);
      expect(index === undefined ? undefined : [flat.start(index), flat.end(index), flat.node(index).id]).toEqual([node.startIndex, node.endIndex, node.id]);
      const walked: string[] = [];
      walkPlaced(tree, types, [], (placed) => walked.push(`${placed.type}@${placed.start}`), node);
      expect(walked).toEqual(node.descendantsOfType(types).map((d) => `${d.type}@${d.startIndex}`));
    }
  });

  it('is read once per tree, and only for trees parseC made', () => {
    const tree = parseC('int x;');
    expect(flatOf(tree)).toBe(flatOf(tree));
    expect(flatOf(tree).size).toBeGreaterThan(1);
  });
});
