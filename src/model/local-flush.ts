import { normalizeSpace, type SyntaxNode } from '../parser/c/tree-sitter.js';
import { guardsOf } from '../sites/collect.js';
import type { DefinitionDb, ModelDefinition } from './database.js';

/**
 * The flags the remote part of an x86 flush sees (issue 13). `flush_area_mask()`
 * flushes the local CPU first and takes back what that left to do:
 * `flags = flush_area_local(va, flags)`, and `flush_area_local()` clears cache bits
 * it managed locally (`flags &= ~FLUSH_CACHE` when the range is small enough). A
 * request that counted on such a bit to rule out the assisted path may then reach
 * the remote CPUs with TLB bits only. Read from the tree's two bodies; built-in
 * knowledge (Xen since 4.x) where the primitive in use is the built-in one.
 */

export interface ClearedFlag {
  /** The bits as written (`FLUSH_CACHE`). */
  flags: string;
  /** The conditions around the clearing, in terms of the flags parameter named `param`. */
  when: string[];
}

export interface LocalStrip {
  /** The local flush whose result replaces the flags (`flush_area_local`). */
  callee: string;
  /** Its flags parameter, as its conditions name it. */
  param: string;
  cleared: ClearedFlag[];
  /** Where this was read: `path:line` of the two bodies, or `built-in`. */
  source: string;
}

/** Xen's flush_area_local() clears FLUSH_CACHE once it flushed a small range by line. */
const BUILTIN: LocalStrip = {
  callee: 'flush_area_local',
  param: 'flags',
  cleared: [{ flags: 'FLUSH_CACHE', when: ['(!(flags & (FLUSH_TLB | FLUSH_TLB_GLOBAL)) || (flags & FLUSH_VA_VALID))', 'the range is smaller than the cache (run time)'] }],
  source: 'built-in (flush_area_local clears FLUSH_CACHE done by line, Xen 4.x)',
};

/** `P = callee(…, P, …)` in a body, with P the flags parameter: the callee's name. */
function reassigningCall(body: SyntaxNode, param: string): string | undefined {
  for (const a of body.descendantsOfType('assignment_expression')) {
    if (a.childForFieldName('left')?.text !== param || a.childForFieldName('operator')?.text !== '=') continue;
    const right = a.childForFieldName('right');
    if (right?.type !== 'call_expression') continue;
    const args = right.childForFieldName('arguments')?.namedChildren.map((n) => n.text) ?? [];
    const fn = right.childForFieldName('function');
    if (fn?.type === 'identifier' && args.includes(param)) return fn.text;
  }
  return undefined;
}

/** `P &= ~X` in a body: X, with the conditions around it. */
function clearedIn(def: ModelDefinition, param: string): ClearedFlag[] {
  const out: ClearedFlag[] = [];
  for (const a of def.node.descendantsOfType('assignment_expression')) {
    if (a.childForFieldName('left')?.text !== param || a.childForFieldName('operator')?.text !== '&=') continue;
    const right = a.childForFieldName('right');
    if (right?.type !== 'unary_expression' || right.childForFieldName('operator')?.text !== '~') continue;
    const flags = normalizeSpace(right.childForFieldName('argument')!.text).replace(/^\((.*)\)$/, '$1');
    out.push({ flags, when: guardsOf(a) });
  }
  return out;
}

const cache = new WeakMap<ModelDefinition, LocalStrip | null>();

/** What the local part of `primitive` may clear before its remote part, if anything. */
export function localStrip(primitive: ModelDefinition, flagsParam: string, db: DefinitionDb): LocalStrip | undefined {
  if (cache.has(primitive)) return cache.get(primitive) ?? undefined;
  let strip: LocalStrip | undefined;
  if (primitive.layer === 'built-in') strip = BUILTIN;
  else {
    const callee = reassigningCall(primitive.node, flagsParam);
    const local = callee ? db.resolve(callee, undefined, true).def : undefined;
    if (callee && local && local.layer !== 'built-in') {
      const param = local.params[local.params.length - 1] ?? 'flags';
      const cleared = clearedIn(local, param);
      if (cleared.length) strip = { callee, param, cleared, source: `${primitive.source}, ${local.source}` };
    } else if (callee === BUILTIN.callee) {
      // The tree calls it but its body is not in view: Xen's is known.
      strip = { ...BUILTIN, source: `${primitive.source} calls ${callee}; its body is not in view: ${BUILTIN.source}` };
    }
  }
  cache.set(primitive, strip ?? null);
  return strip;
}
