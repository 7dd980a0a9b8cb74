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

/** A function definition with what localFlagsValue reads of it (database.ts's ModelDefinition). */
interface DefinedFunction extends Defined {
  readonly params: readonly string[];
  readonly line: number;
  readonly file: string;
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

/**
 * What a local flags variable may hold where a flush reads it, from every
 * assignment to it in the function (and in the file's macros the function
 * invokes, as Xen's `flush_flags(oldf)` does): one base value (initializer or
 * single `=`) plus bits each `|=` may add. The result is a C expression with
 * a choice per added value (`flush_flags & FLUSH_CACHE ? FLUSH_CACHE : 0`), so
 * the model sees which flags decide the path. Undefined when the variable is
 * not such a local (a parameter, reassigned, or its address taken).
 */
/** A macro of the function's file, as localFlagsValue needs it. */
export interface FileMacro {
  name: string;
  form: string;
  file: string;
  body?: string;
}

export function localFlagsValue(def: DefinedFunction, name: string, macros: readonly FileMacro[], line: number): string | undefined {
  const fnBody = bodyOf(def);
  if (!fnBody || def.params.includes(name)) return undefined;
  // The call's row in the parsed text (the definition's first line anchors it).
  const row = line - def.line + def.node.startPosition.row;
  // The declaration in scope at the call: the innermost block holding both.
  const declarations = fnBody
    .descendantsOfType('declaration')
    .filter((d) => d.namedChildren.some((c) => (c.type === 'identifier' ? c.text : c.type === 'init_declarator' ? c.childForFieldName('declarator')?.text : undefined) === name));
  const scopeOf = (d: SyntaxNode): SyntaxNode => d.parent ?? fnBody;
  const inScope = declarations.filter((d) => {
    const scope = scopeOf(d);
    return scope.startPosition.row <= row && row <= scope.endPosition.row && d.startPosition.row <= row;
  });
  if (inScope.length === 0) return undefined;
  const decl = inScope.reduce((a, b) => (scopeOf(b).startIndex >= scopeOf(a).startIndex ? b : a));
  const body = scopeOf(decl);
  let base = decl
    .descendantsOfType('init_declarator')
    .find((d) => d.childForFieldName('declarator')?.text === name)
    ?.childForFieldName('value')?.text;
  base = base === undefined ? undefined : normalizeSpace(base);
  const added: string[] = [];
  for (const n of body.descendantsOfType(['assignment_expression', 'update_expression', 'pointer_expression'])) {
    if (n.type === 'pointer_expression') {
      if (n.childForFieldName('operator')?.text === '&' && n.childForFieldName('argument')?.text === name) return undefined;
      continue;
    }
    const target = n.type === 'assignment_expression' ? n.childForFieldName('left') : n.childForFieldName('argument');
    if (target?.text !== name) continue;
    if (n.type === 'update_expression') return undefined;
    const operator = n.childForFieldName('operator')?.text;
    const value = normalizeSpace(n.childForFieldName('right')?.text ?? '');
    if (operator === '|=') added.push(value);
    else if (operator === '=' && base === undefined) base = value;
    else return undefined;
  }
  // A macro of the same file that ORs into the variable, invoked in this scope.
  const invoked = new Set(body.descendantsOfType('call_expression').map((c) => c.childForFieldName('function')?.text));
  const orInto = new RegExp(`\\b${name}\\s*\\|=\\s*([^;]+);`, 'g');
  const assigns = new RegExp(`\\b${name}\\s*(?:[-+*/&^]|<<|>>)?=(?!=)`);
  for (const macro of macros) {
    if (macro.form !== 'function-macro' || !invoked.has(macro.name) || macro.file !== def.file || !macro.body) continue;
    if (assigns.test(macro.body.replace(/\|=/g, '\u0000'))) return undefined;
    for (const m of macro.body.matchAll(orInto)) added.push(normalizeSpace(m[1]!));
  }
  if (base === undefined || added.length > 8) return undefined;
  const choices = [...new Set(added)].map((v) => {
    const value = /^\w+$/.test(v) ? v : `(${v})`;
    return `(${name} & ${value} ? ${value} : 0)`;
  });
  return [/^\w+$/.test(base) ? base : `(${base})`, ...choices].join(' | ');
}
