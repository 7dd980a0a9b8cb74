import { normalizeSpace, parseExpression, type SyntaxNode } from '../parser/c/tree-sitter.js';

/**
 * C conditions and arguments as the classifier reads them (substituted with
 * a caller's arguments by model/expand.ts): parsed with tree-sitter as
 * expressions, evaluated where they are constant, and searched for the test
 * that says a page's old type was a page-table type.
 */

type Value = boolean | number | undefined;

function evaluateNode(node: SyntaxNode): Value {
  switch (node.type) {
    case 'true':
      return true;
    case 'false':
      return false;
    case 'number_literal': {
      const n = Number(node.text.replace(/[uUlL]+$/, ''));
      return Number.isFinite(n) ? n : undefined;
    }
    case 'parenthesized_expression':
      return node.namedChildren[0] ? evaluateNode(node.namedChildren[0]) : undefined;
    case 'unary_expression': {
      const op = node.childForFieldName('operator')?.text;
      const v = evaluateNode(node.childForFieldName('argument')!);
      if (v === undefined) return undefined;
      if (op === '!') return !v;
      return undefined;
    }
    case 'binary_expression': {
      const op = node.childForFieldName('operator')?.text;
      const left = evaluateNode(node.childForFieldName('left')!);
      const right = evaluateNode(node.childForFieldName('right')!);
      // Short circuits decide even when one side is unknown.
      if (op === '&&') return left === false || left === 0 || right === false || right === 0 ? false : left !== undefined && right !== undefined ? true : undefined;
      if (op === '||') return (left !== undefined && Boolean(left)) || (right !== undefined && Boolean(right)) ? true : left !== undefined && right !== undefined ? false : undefined;
      if (left === undefined || right === undefined) return undefined;
      if (op === '==') return Number(left) === Number(right);
      if (op === '!=') return Number(left) !== Number(right);
      return undefined;
    }
    default:
      return undefined;
  }
}

/** True or false when the condition is constant (after substitution), else undefined. */
export function evaluate(condition: string): boolean | undefined {
  const node = parseExpression(condition);
  if (!node) return undefined;
  const v = evaluateNode(node);
  return v === undefined ? undefined : Boolean(v);
}

const PAGE_TABLE_TYPE = /^PGT_(l[1-4]|root)_page_table$/;

/**
 * Whether a condition says the page's type was a page-table type: it holds
 * (`(x & PGT_type_mask) <= PGT_root_page_table`), fails (`!(…)`, `> PGT_root_page_table`)
 * or does not say (undefined).
 */
/** Page types that are not page tables (DOMAIN.md: a page-table type is non-zero and <= PGT_root_page_table). */
const NON_PAGE_TABLE_TYPE = /^PGT_(writable_page|seg_desc_page|shared_page|none)$/;
const OLD_TYPE_OPERAND = /^\(?\s*(x|old\w*|[\w>.-]*type_info)\s*&\s*PGT_type_mask\s*\)?$/;

export function pageTableTest(condition: string): 'holds' | 'fails' | undefined {
  if (!condition.includes('PGT_type_mask') || !/_page_table|PGT_(writable|seg_desc|shared)_page|PGT_none/.test(condition)) return undefined;
  const root = parseExpression(condition);
  if (!root) return undefined;
  const polarities = new Set<boolean>();
  const visit = (n: SyntaxNode, positive: boolean): void => {
    if (n.type === 'unary_expression' && n.childForFieldName('operator')?.text === '!') {
      visit(n.childForFieldName('argument')!, !positive);
      return;
    }
    if (n.type === 'binary_expression') {
      const op = n.childForFieldName('operator')?.text ?? '';
      // One disjunct alone proves nothing (`!shadow || type == writable`);
      // under negation `!(a || b)` is `!a && !b`, so the walk goes on.
      if (op === '||' && positive) return;
      const left = n.childForFieldName('left')!;
      const right = n.childForFieldName('right')!;
      const typeOnRight = right.type === 'identifier' && PAGE_TABLE_TYPE.test(right.text) && left.text.includes('PGT_type_mask');
      const typeOnLeft = left.type === 'identifier' && PAGE_TABLE_TYPE.test(left.text) && right.text.includes('PGT_type_mask');
      // `mask == PGT_writable_page`: the old type is known, and it is not a page table.
      // Only the old type counts: Xen's type loops read it into `x` (the new one is `nx`).
      const other = (n2: SyntaxNode, m: SyntaxNode): boolean => n2.type === 'identifier' && NON_PAGE_TABLE_TYPE.test(n2.text) && OLD_TYPE_OPERAND.test(normalizeSpace(m.text));
      if (op === '==' && (other(right, left) || other(left, right))) {
        polarities.add(!positive);
        return;
      }
      if (typeOnRight || typeOnLeft) {
        // `mask <= T`, `mask < T`, `mask == T` say "is a page table"; the mirrored forms too.
        const says = op === '==' || (typeOnRight ? op === '<=' || op === '<' : op === '>=' || op === '>');
        const denies = op === '!=' || (typeOnRight ? op === '>' || op === '>=' : op === '<' || op === '<=');
        if (says) polarities.add(positive);
        else if (denies) polarities.add(!positive);
        return;
      }
    }
    for (const child of n.namedChildren) visit(child, positive);
  };
  visit(root, true);
  if (polarities.size !== 1) return undefined;
  return polarities.has(true) ? 'holds' : 'fails';
}

/** The condition of a `c ? a : b` argument, when the argument is one. */
export function conditionalArgument(arg: string): { condition: string; consequence: string; alternative: string } | undefined {
  if (!arg.includes('?')) return undefined;
  const node = parseExpression(arg);
  if (node?.type !== 'conditional_expression') return undefined;
  const part = (name: string): string => normalizeSpace(node.childForFieldName(name)?.text ?? '');
  return { condition: part('condition'), consequence: part('consequence'), alternative: part('alternative') };
}
