import { parseExpression, type SyntaxNode } from '../parser/c/tree-sitter.js';

/**
 * C conditions as the simulator needs them: parsed with tree-sitter, compared by
 * structure (parentheses and spacing ignored, negation tracked), and searched for a
 * test of a page's type against the page-table types.
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

const PAGE_TABLE_TYPE = /^PGT_(l[1-4]|root)_page_table$/;
const POSITIVE = new Set(['<=', '<', '==']);
const NEGATIVE = new Set(['>', '>=', '!=']);

/**
 * When `text` tests whether a page type is a page-table type (a comparison with
 * `PGT_l1_page_table` … `PGT_root_page_table`): true when the condition holding means
 * "it is a page table", false when it means "it is not". Undefined when it tests no such thing.
 */
export function pageTablePolarity(text: string): boolean | undefined {
  const root = parseExpression(text);
  if (!root) return undefined;
  let found: boolean | undefined;
  const visit = (node: SyntaxNode, negated: boolean): void => {
    if (found !== undefined) return;
    if (isNot(node)) {
      visit(node.childForFieldName('argument')!, !negated);
      return;
    }
    if (node.type === 'binary_expression') {
      const op = node.childForFieldName('operator')?.type ?? '';
      const sides = [node.childForFieldName('left'), node.childForFieldName('right')].map((s) => (s ? unwrap(s) : undefined));
      const typeSide = sides.findIndex((s) => s?.type === 'identifier' && PAGE_TABLE_TYPE.test(s.text));
      if (typeSide >= 0 && (POSITIVE.has(op) || NEGATIVE.has(op))) {
        // `PGT_root_page_table >= t` reads as `t <= PGT_root_page_table`.
        const mirrored = typeSide === 0 ? ({ '<=': '>=', '<': '>', '>': '<', '>=': '<=' } as Record<string, string>)[op] ?? op : op;
        const positive = POSITIVE.has(mirrored);
        found = negated ? !positive : positive;
        return;
      }
    }
    for (const child of node.namedChildren) visit(child, negated);
  };
  visit(root, false);
  return found;
}
