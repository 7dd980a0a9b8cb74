import type { Arch } from '../types.js';
import { NOT_SHOWN_CONDITION } from '../parser/c/images.js';
import type { SyntaxNode } from '../parser/c/tree-sitter.js';
import { evaluate, exact, parsePreprocessorCondition, truthOfAlts, type Alt, type EvalEnv } from './evaluate.js';

/**
 * `#if` evaluation per build configuration. Symbols the configuration sets
 * are 1 or 0 (`defined()` true or false); other CONFIG_ symbols, symbols the
 * hunk does not show and macros we cannot see stay unknown.
 */

/** Kconfig symbols that exist only on x86: off on every other port. */
const X86_ONLY = ['CONFIG_PV', 'CONFIG_SHADOW_PAGING', 'CONFIG_PV_SHIM', 'CONFIG_PV32'];

/** The symbols each port's build defines for itself. */
const ARCH_SYMBOLS: Record<Arch, string[]> = {
  x86: ['CONFIG_X86', 'CONFIG_X86_64'],
  arm: ['CONFIG_ARM', 'CONFIG_ARM_64'],
  riscv: ['CONFIG_RISCV', 'CONFIG_RISCV_64'],
  ppc: ['CONFIG_PPC', 'CONFIG_PPC64'],
};
const OTHER_ARCH_SYMBOLS = ['CONFIG_ARM_32', 'CONFIG_X86_32', 'CONFIG_RISCV_32'];

/** The build configuration one architecture is modelled with. */
export function buildConfig(arch: Arch, config: Readonly<Record<string, boolean>>): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const [a, symbols] of Object.entries(ARCH_SYMBOLS)) for (const s of symbols) out[s] = a === arch;
  for (const s of OTHER_ARCH_SYMBOLS) out[s] = false;
  for (const [k, v] of Object.entries(config)) out[k] = v;
  if (arch !== 'x86') for (const s of X86_ONLY) out[s] = false;
  return out;
}

/** How a condition refers to names beyond the configuration (macros in view). */
export interface ConditionScope {
  config: Readonly<Record<string, boolean>>;
  /** Value of an object-like macro, when one is in view. */
  macro?: (name: string) => Alt[] | undefined;
}

const IS_CONFIG = /^CONFIG_[A-Za-z0-9_]+$/;

export function conditionEnv(scope: ConditionScope): EvalEnv {
  const configured = (name: string): boolean | undefined => (Object.hasOwn(scope.config, name) ? scope.config[name] : undefined);
  return {
    identifier(name) {
      if (name === NOT_SHOWN_CONDITION) return undefined;
      if (IS_CONFIG.test(name)) {
        const v = configured(name);
        return v === undefined ? undefined : [{ conds: [], value: exact(v ? 1 : 0) }];
      }
      return scope.macro?.(name);
    },
    defined(name) {
      if (name === NOT_SHOWN_CONDITION) return undefined;
      return IS_CONFIG.test(name) ? configured(name) : undefined;
    },
    call(name, args: SyntaxNode[]) {
      // Kconfig's helpers: IS_ENABLED(CONFIG_X) is 1 when X is set.
      if ((name === 'IS_ENABLED' || name === 'IS_BUILTIN') && args.length === 1 && args[0]!.type === 'identifier') {
        const v = IS_CONFIG.test(args[0]!.text) ? configured(args[0]!.text) : undefined;
        return v === undefined ? undefined : [{ conds: [], value: exact(v ? 1 : 0) }];
      }
      return undefined;
    },
  };
}

/** One `#if` condition as written: true, false, or undefined when unknown. */
export function evaluateCondition(condition: string, scope: ConditionScope): boolean | undefined {
  const node = parsePreprocessorCondition(condition);
  if (!node) return undefined;
  return truthOfAlts(evaluate(node, conditionEnv(scope)));
}

/** All conditions around a definition: false if any is false, true if all are true. */
export function evaluateConditions(conditions: readonly string[], scope: ConditionScope): boolean | undefined {
  let result: boolean | undefined = true;
  for (const c of conditions) {
    const t = evaluateCondition(c, scope);
    if (t === false) return false;
    if (t === undefined) result = undefined;
  }
  return result;
}

/** Whether a condition mentions a part of the file the hunk does not show. */
export const mentionsNotShown = (condition: string): boolean => condition.includes(NOT_SHOWN_CONDITION);

/**
 * Include guards of a parsed file: `#ifndef G` at file scope whose first
 * directive is `#define G`. Conditions on them say nothing about the build.
 */
export function includeGuards(root: SyntaxNode): Set<string> {
  const guards = new Set<string>();
  for (const top of root.namedChildren) {
    if (top.type !== 'preproc_ifdef' || top.child(0)?.text !== '#ifndef') continue;
    const nameNode = top.childForFieldName('name');
    const first = top.namedChildren.find((c) => c.type !== 'comment' && c.id !== nameNode?.id);
    if (nameNode && first?.type === 'preproc_def' && first.childForFieldName('name')?.text === nameNode.text) guards.add(nameNode.text);
  }
  return guards;
}

/** A definition's conditions without its file's include guard. */
export function withoutGuards(conditions: readonly string[], guards: ReadonlySet<string>): string[] {
  return conditions.filter((c) => {
    for (const g of guards) if (c === `!defined(${g})`) return false;
    return true;
  });
}
