import { normalizeSpace, type SyntaxNode } from '../parser/c/tree-sitter.js';
import { preprocessorConditions } from '../sites/collect.js';
import type { Mechanism } from '../types.js';
import type { ModelDefinition } from './database.js';
import { stringContents } from './expand.js';

/**
 * What a function body does at the bottom of an expansion: send IPIs (and,
 * for x86's `flush_area_mask`, under which flags it may skip them), issue a
 * broadcast TLBI, ask firmware for a remote fence, trap (a port's stub), or
 * nothing we can see.
 */

/** Calls that interrupt other CPUs. */
export const IPI_SENDERS: ReadonlySet<string> = new Set([
  'send_IPI_mask',
  'send_IPI_mask_allbutself',
  'send_IPI_allbutself',
  'on_selected_cpus',
  'on_each_cpu',
  'smp_call_function',
  'smp_call_function_mask',
  'smp_send_call_function_mask',
  'send_SGI_mask',
  'send_SGI_allbutself',
]);

/** A body made of these only is a stub of a port that does not flush yet. */
const STUBS: ReadonlySet<string> = new Set(['BUG', 'BUG_ON', 'assert_failed', 'ASSERT_UNREACHABLE', 'panic']);

/** RISC-V's Supervisor Binary Interface: calls into firmware. */
const isFirmwareCall = (name: string): boolean => name.startsWith('sbi_');

export interface AssistedPath {
  /** `#if` conditions around the branch inside the function (it may be built out). */
  conditions: string[];
  /** Which parameter carries the flags. */
  flagsIndex: number;
  flagsParam: string;
  /** The flags that may take the assisted path, as written (`FLUSH_TLB | …`). */
  allowed: string;
  /** The whole condition of the assisted branch, as written. */
  when: string;
}

export interface Primitive {
  sendsIpi: boolean;
  /** Early-return branches that skip the IPI, in body order. */
  assisted: AssistedPath[];
}

function callNames(def: ModelDefinition): Set<string> {
  const names = new Set(def.calls.map((c) => c.name));
  for (const call of def.node.descendantsOfType('call_expression')) {
    const fn = call.childForFieldName('function');
    if (fn?.type === 'identifier') names.add(fn.text);
  }
  return names;
}

function stripParens(node: SyntaxNode): SyntaxNode {
  let n = node;
  while (n.type === 'parenthesized_expression' && n.namedChildCount === 1) n = n.namedChildren[0]!;
  return n;
}

/** `P & ~(SET)` with P a parameter: returns P and SET. */
function flagsOutside(node: SyntaxNode, params: readonly string[]): { param: string; allowed: SyntaxNode } | undefined {
  const n = stripParens(node);
  if (n.type !== 'binary_expression' || n.childForFieldName('operator')?.text !== '&') return undefined;
  const left = stripParens(n.childForFieldName('left')!);
  const right = stripParens(n.childForFieldName('right')!);
  for (const [p, m] of [
    [left, right],
    [right, left],
  ] as const) {
    if (p.type !== 'identifier' || !params.includes(p.text)) continue;
    if (m.type === 'unary_expression' && m.childForFieldName('operator')?.text === '~') return { param: p.text, allowed: stripParens(m.childForFieldName('argument')!) };
  }
  return undefined;
}

/** `!(P & ~SET)` or `(P & ~SET) == 0` somewhere in a condition. */
function findAllowedCheck(condition: SyntaxNode, params: readonly string[]): { param: string; allowed: SyntaxNode } | undefined {
  const candidates = [condition, ...condition.descendantsOfType(['unary_expression', 'binary_expression'])];
  for (const node of candidates) {
    const n = stripParens(node);
    if (n.type === 'unary_expression' && n.childForFieldName('operator')?.text === '!') {
      const hit = flagsOutside(n.childForFieldName('argument')!, params);
      if (hit) return hit;
    }
    if (n.type === 'binary_expression' && n.childForFieldName('operator')?.text === '==') {
      const l = n.childForFieldName('left')!;
      const r = n.childForFieldName('right')!;
      const hit = stripParens(r).text === '0' ? flagsOutside(l, params) : stripParens(l).text === '0' ? flagsOutside(r, params) : undefined;
      if (hit) return hit;
    }
  }
  return undefined;
}

const primitiveCache = new WeakMap<ModelDefinition, Primitive>();

/**
 * Reads a flush function's body: does it send IPIs, and does it return early
 * (the assisted path) when the flags hold nothing outside an allowed set?
 * Older trees have no such branch: every remote flush is an IPI.
 */
export function analyzePrimitive(def: ModelDefinition): Primitive {
  let p = primitiveCache.get(def);
  if (p) return p;
  p = { sendsIpi: [...callNames(def)].some((n) => IPI_SENDERS.has(n)), assisted: [] };
  if (p.sendsIpi) {
    const outer = new Set(preprocessorConditions(def.node));
    for (const branch of def.node.descendantsOfType('if_statement')) {
      const consequence = branch.childForFieldName('consequence');
      const condition = branch.childForFieldName('condition');
      if (!consequence || !condition) continue;
      const returns = consequence.type === 'return_statement' || consequence.descendantsOfType('return_statement').length > 0;
      if (!returns) continue;
      const hit = findAllowedCheck(condition, def.params);
      if (!hit) continue;
      p.assisted.push({
        conditions: preprocessorConditions(branch).filter((c) => !outer.has(c)),
        flagsIndex: def.params.indexOf(hit.param),
        flagsParam: hit.param,
        allowed: normalizeSpace(hit.allowed.text),
        when: normalizeSpace(stripParens(condition).text),
      });
    }
  }
  primitiveCache.set(def, p);
  return p;
}

/** TLBI operations in a body's asm (`tlbi alle1is` → `alle1is`). */
export function tlbiOperations(def: ModelDefinition): string[] {
  if (def.generated) return def.generated.tlbiOps;
  const ops: string[] = [];
  for (const s of stringContents(def.node)) {
    for (const instruction of s.split(/[;\n]|\\n|\\t/)) {
      const words = instruction.trim().split(/[\s,]+/);
      if (words[0]?.toLowerCase() === 'tlbi' && words[1]) ops.push(words[1]);
    }
  }
  return ops;
}

const SHAREABILITY: Readonly<Record<string, string>> = { ish: 'inner-shareable domain', sy: 'system', osh: 'outer-shareable domain', nsh: 'local CPU' };

/**
 * How the asm around a broadcast TLBI completes it, in words: the DSB after
 * it waits until every CPU of its domain has finished the invalidation, and
 * cores with the repeat-TLBI erratum run the TLBI again (an ALTERNATIVE
 * patched in at boot).
 */
function tlbiCompletion(def: ModelDefinition, op: string): string {
  const asm = def.generated ? def.generated.asm : stringContents(def.node).join('');
  const at = asm.search(new RegExp(`\\btlbi\\s+${op}\\b`, 'i'));
  const dsb = at < 0 ? null : /\bdsb\s+(\w+)/i.exec(asm.slice(at));
  const domain = dsb ? (SHAREABILITY[dsb[1]!.toLowerCase()] ?? dsb[1]!) : undefined;
  const completes = dsb
    ? `; the DSB ${dsb[1]!.toUpperCase()} after it waits until every CPU of the ${domain} has completed the invalidation, so the flush is complete when the barrier retires`
    : '; no DSB after the TLBI is in view, so its completion is not shown';
  const raw = def.generated ? (def.body ?? '') : def.node.text;
  const erratum = /\b\w*REPEAT_TLBI\b/.exec(raw)?.[0];
  const repeats = erratum ? `; on cores with the repeat-TLBI erratum (${erratum}) the TLBI and a DSB are issued a second time, patched in at boot: the same broadcast, repeated` : '';
  return completes + repeats;
}

/** Arm's TLBI operations ending in IS act on the whole inner-shareable domain. */
export const isBroadcastTlbi = (op: string): boolean => /is$/i.test(op);

export interface Leaf {
  mechanism: Mechanism;
  note?: string;
}

/**
 * What a body that calls no other flush does, when that tells anything:
 * interrupts (IPI), firmware, broadcast TLBI, or an unimplemented stub.
 * Undefined: it does not flush other CPUs as far as we can see.
 */
export function classifyLeaf(def: ModelDefinition): Leaf | undefined {
  const names = callNames(def);
  const ipi = [...names].find((n) => IPI_SENDERS.has(n));
  if (ipi) return { mechanism: 'ipi', note: `${def.name} interrupts the other CPUs (${ipi})` };
  const firmware = [...names].find(isFirmwareCall);
  if (firmware) return { mechanism: 'firmware', note: `${def.name} asks the firmware for a remote fence (${firmware}): no IPI from Xen` };
  const ops = tlbiOperations(def);
  const broadcast = ops.filter(isBroadcastTlbi);
  if (broadcast.length)
    return {
      mechanism: 'broadcast',
      note: `${def.name} issues TLBI ${broadcast.join(', ')}: hardware broadcasts it to every CPU of the inner-shareable domain, no CPU is interrupted${tlbiCompletion(def, broadcast[0]!)}`,
    };
  if (ops.length) return { mechanism: 'none', note: `${def.name} issues TLBI ${ops.join(', ')}: local CPU only` };
  const stub = [...names].find((n) => STUBS.has(n));
  if (stub && names.size <= 2) {
    // ASSERT_UNREACHABLE() is empty in release builds: the stub traps only in debug ones.
    const traps = stub === 'ASSERT_UNREACHABLE' ? `traps in debug builds (${stub}; a release build returns without flushing)` : `traps (${stub})`;
    return { mechanism: 'not-implemented', note: `${def.name} is not implemented on this port: its body ${traps} instead of flushing` };
  }
  return undefined;
}
