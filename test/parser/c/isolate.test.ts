import { describe, expect, it } from 'vitest';
import { isolateFunction } from '../../../src/parser/c/isolate.js';
import { parseC } from '../../../src/parser/c/tree-sitter.js';

// Ours, in Xen's style: a file of several functions, a table, a struct and directives.
const FILE = `#include <xen/mm.h>

#define FLUSH_TWICE(m) do { flush_tlb_mask(m); flush_tlb_mask(m); } while ( 0 )

struct flush_ctx {
    unsigned int flags;
#define CTX_ALL 1
};

static const char *const names[] = { "one", "two{", "}three" };

static void helper(struct domain *d)
{
    char c = '{';
    /* an unbalanced { in a comment */
    flush_tlb_mask(d->dirty_cpumask);
}

#ifdef CONFIG_PV
static int wanted(struct domain *d, unsigned int flags)
{
    unsigned int local = flags | FLUSH_TLB;

    if ( local & FLUSH_CACHE )
        return -EINVAL;
#define INSIDE(x) ((x) + 1)
    flush_mask(d->dirty_cpumask, local);
    return 0;
}
#endif

static void after(void)
{
    // } a brace in a line comment
    helper(current->domain);
}
`;

const functionsNamed = (text: string, name: string) =>
  parseC(text)
    .rootNode.descendantsOfType('function_definition')
    .filter((n) => n.childForFieldName('declarator')?.childForFieldName('declarator')?.text === name);

describe('one function of a file, the rest of the bodies blanked', () => {
  const isolated = isolateFunction(FILE, 'wanted')!;

  it('keeps length and lines, so every position is the file’s own', () => {
    expect(isolated).toHaveLength(FILE.length);
    expect(isolated.split('\n').length).toBe(FILE.split('\n').length);
  });

  it('keeps the wanted function whole, parsed as in the whole file', () => {
    const [mine] = functionsNamed(isolated, 'wanted');
    const [theirs] = functionsNamed(FILE, 'wanted');
    expect(mine!.toString()).toBe(theirs!.toString());
    expect([mine!.startIndex, mine!.endIndex]).toEqual([theirs!.startIndex, theirs!.endIndex]);
    expect(isolated.slice(mine!.startIndex, mine!.endIndex)).toBe(FILE.slice(theirs!.startIndex, theirs!.endIndex));
  });

  it('blanks the other bodies (braces in literals and comments do not count) but keeps directives', () => {
    expect(isolated).not.toContain('current->domain');
    expect(isolated).not.toContain('"two{"');
    expect(isolated).not.toContain("'{'");
    expect(isolated).toContain('#define FLUSH_TWICE(m) do { flush_tlb_mask(m); flush_tlb_mask(m); } while ( 0 )');
    expect(isolated).toContain('#define CTX_ALL 1');
    expect(isolated).toContain('#define INSIDE(x) ((x) + 1)');
    expect(isolated).toContain('#ifdef CONFIG_PV');
    expect(functionsNamed(isolated, 'helper')[0]!.childForFieldName('body')!.text.trim()).toMatch(/^\{\s*\}$/);
  });

  it('gives up on braces that do not balance (a conditional opening one in each branch)', () => {
    const split = `static void f(int a)\n{\n#ifdef X\n    if ( a ) {\n#else\n    if ( !a ) {\n#endif\n        g();\n    }\n}\n`;
    expect(isolateFunction(split, 'f')).toBeUndefined();
    expect(isolateFunction('static void f(void)\n{\n}\n}\n', 'f')).toBeUndefined();
    expect(isolateFunction('static void f(void)\n{\n', 'f')).toBeUndefined();
  });
});
