import { parseExpression, type SyntaxNode } from '../parser/c/tree-sitter.js';
import { builtinPageTypes, oldTypeTest, type PageTypeTable } from '../classify/page-types.js';

/**
 * C conditions as the simulator needs them: parsed with tree-sitter, compared by
 * structure (parentheses and spacing ignored, negation tracked); page-type tests are
 * read through the classifier's page-types.ts (one evaluation for both stages).
 */

const unwrap = (node: SyntaxNode): SyntaxNode => (node.type === 'parenthesized_expression' && node.namedChildCount === 1 ? unwrap(node.namedChildren[0]!) : node);

function isNot(node: SyntaxNode): boolean {
  return node.type === 'unary_expression' && node.child(0)?.type === '!';
}

/** The expression without its leading `!`s, and how many there were modulo 2. */
function core(node: SyntaxNode): { node: SyntaxNode; negated: boolean } {
  let n = unwrap(node);
  let negated = false;
  while (isNot(n)) {
    negated = !negated;
    n = unwrap(n.childForFieldName('argument')!);
  }
  return { node: n, negated };
}

/** Structure of an expression, operators included, parentheses and spacing not. */
function shape(node: SyntaxNode): string {
  const n = unwrap(node);
  if (n.childCount === 0) return n.text;
  return `(${n.type} ${n.children.map(shape).join(' ')})`;
}

export type Relation = 'same' | 'negated' | 'unrelated';

/** Whether two conditions are the same test, one the negation of the other, or neither. */
export function relateConditions(a: string, b: string): Relation {
  const na = parseExpression(a);
  const nb = parseExpression(b);
  if (!na || !nb) return 'unrelated';
  const ca = core(na);
  const cb = core(nb);
  if (shape(ca.node) !== shape(cb.node)) return 'unrelated';
  return ca.negated === cb.negated ? 'same' : 'negated';
}

/**
 * When `text` tests the page's old type: true when the condition holding means
 * "it was a page table", false when it means "it was not". Undefined when it tests
 * no such thing or lets both kinds through. The same evaluation as the classifier's
 * (src/classify/page-types.ts).
 */
export function pageTablePolarity(text: string, table: PageTypeTable = builtinPageTypes()): boolean | undefined {
  const verdict = oldTypeTest(text, table)?.verdict;
  return verdict === undefined ? undefined : verdict === 'holds';
}
