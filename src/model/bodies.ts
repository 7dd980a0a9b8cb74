import { normalizeSpace, type SyntaxNode } from '../parser/c/tree-sitter.js';
import { substitute } from './expand.js';

/**
 * What a function body says about values: locals that are set once and never
 * changed (`unsigned int flags = guest_flush_tlb_flags(d);`) stand for their
 * initializer, and a body with one `return` has that expression as its value.
 */

/** A definition as this file reads it: its syntax node (database.ts's Defined). */
interface Defined {
  readonly node: SyntaxNode;
}

function bodyOf(def: Defined): SyntaxNode | null {
  return def.node.type === 'function_definition' ? def.node.childForFieldName('body') : null;
}

/** Identifiers the body changes after their declaration, or whose address it takes. */
function mutated(body: SyntaxNode): Set<string> {
  const names = new Set<string>();
  for (const n of body.descendantsOfType(['assignment_expression', 'update_expression', 'pointer_expression'])) {
    const target = n.type === 'assignment_expression' ? n.childForFieldName('left') : n.childForFieldName('argument');
    if (n.type === 'pointer_expression' && n.childForFieldName('operator')?.text !== '&') continue;
    if (target?.type === 'identifier') names.add(target.text);
  }
  return names;
}

const localsCache = new WeakMap<Defined, Map<string, string>>();

/** Locals set once at their declaration, as their initializers (earlier ones substituted). */
export function localConstants(def: Defined): Map<string, string> {
  let locals = localsCache.get(def);
  if (locals) return locals;
  locals = new Map();
  const body = bodyOf(def);
  if (body) {
    const changed = mutated(body);
    const seen = new Set<string>();
    for (const decl of body.descendantsOfType('init_declarator')) {
      const name = decl.childForFieldName('declarator');
      const value = decl.childForFieldName('value');
      if (name?.type !== 'identifier' || !value || value.type === 'initializer_list') continue;
      if (seen.has(name.text)) locals.delete(name.text);
      seen.add(name.text);
      if (changed.has(name.text) || seen.size > 64) continue;
      locals.set(name.text, substitute(normalizeSpace(value.text), locals, 'c'));
    }
    for (const name of changed) locals.delete(name);
  }
  localsCache.set(def, locals);
  return locals;
}

/** The expression of a body's only `return`, locals substituted; undefined otherwise. */
export function returnedExpression(def: Defined): string | undefined {
  const body = bodyOf(def);
  if (!body) return undefined;
  const returns = body.descendantsOfType('return_statement');
  if (returns.length !== 1) return undefined;
  const value = returns[0]!.namedChildren.find((c) => c.type !== 'comment');
  return value ? substitute(normalizeSpace(value.text), localConstants(def), 'c') : undefined;
}
