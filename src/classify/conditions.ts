import { normalizeSpace, parseExpression, type SyntaxNode } from '../parser/c/tree-sitter.js';
import { builtinPageTypes, oldTypeTest, type PageTypeTable } from './page-types.js';

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

/**
 * Whether a condition says the page's old type was a page-table type: it holds
 * (only page-table types reach it), fails (none does) or does not say (both
 * kinds do, or it reads no old type). One evaluation for the classifier and the
 * simulator: see page-types.ts.
 */
export function pageTableTest(condition: string, table: PageTypeTable = builtinPageTypes()): 'holds' | 'fails' | undefined {
  return oldTypeTest(condition, table)?.verdict;
}

/** The condition of a `c ? a : b` argument, when the argument is one. */
export function conditionalArgument(arg: string): { condition: string; consequence: string; alternative: string } | undefined {
  if (!arg.includes('?')) return undefined;
  const node = parseExpression(arg);
  if (node?.type !== 'conditional_expression') return undefined;
  const part = (name: string): string => normalizeSpace(node.childForFieldName(name)?.text ?? '');
  return { condition: part('condition'), consequence: part('consequence'), alternative: part('alternative') };
}
