import { describe, expect, it } from 'vitest';
import { buildConfig, evaluateCondition, evaluateConditions, includeGuards, withoutGuards } from '../../src/model/conditions.js';
import { exact } from '../../src/model/evaluate.js';
import { parseC } from '../../src/parser/c/tree-sitter.js';
import { DEFAULT_CONFIG } from '../../src/pipeline/index.js';

const x86 = buildConfig('x86', DEFAULT_CONFIG);
const scope = { config: x86 };

describe('build configuration per architecture', () => {
  it('sets the architecture symbols and keeps the user configuration', () => {
    expect(x86.CONFIG_X86).toBe(true);
    expect(x86.CONFIG_ARM).toBe(false);
    expect(x86.CONFIG_PV).toBe(true);
  });

  it('turns x86-only options off on other ports', () => {
    const arm = buildConfig('arm', DEFAULT_CONFIG);
    expect(arm.CONFIG_ARM).toBe(true);
    expect(arm.CONFIG_ARM_64).toBe(true);
    expect(arm.CONFIG_PV).toBe(false);
    expect(arm.CONFIG_SHADOW_PAGING).toBe(false);
    expect(arm.CONFIG_HVM).toBe(true);
  });
});

describe('#if evaluation', () => {
  it.each([
    ['defined(CONFIG_PV)', true],
    ['!defined(CONFIG_PV)', false],
    ['defined CONFIG_PV', true],
    ['defined(CONFIG_PV) || defined(CONFIG_SHADOW_PAGING)', true],
    ['defined(CONFIG_PV) && !defined(CONFIG_HVM)', false],
    ['CONFIG_HVM', true],
    ['CONFIG_HVM && CONFIG_PV', true],
    ['IS_ENABLED(CONFIG_SHADOW_PAGING)', true],
    ['0', false],
    ['1', true],
    ['2 > 1', true],
    ['(1 << 3) == 8', true],
    ['0x10 & 0x01', false],
    // Unknown symbols stay unknown, except where the answer does not depend on them.
    ['defined(CONFIG_UNHEARD_OF)', undefined],
    ['CONFIG_UNHEARD_OF', undefined],
    ['SOME_MACRO > 2', undefined],
    ['defined(CONFIG_UNHEARD_OF) || defined(CONFIG_PV)', true],
    ['defined(CONFIG_UNHEARD_OF) && 0', false],
    ['__FLUSHCHECK_NOT_SHOWN__', undefined],
    ['!(__FLUSHCHECK_NOT_SHOWN__)', undefined],
  ] as const)('%s → %s', (cond, expected) => {
    expect(evaluateCondition(cond, scope)).toBe(expected);
  });

  it('a configuration option turned off is undefined and 0', () => {
    const hap = { config: buildConfig('x86', { ...DEFAULT_CONFIG, CONFIG_PV: false, CONFIG_SHADOW_PAGING: false }) };
    expect(evaluateCondition('defined(CONFIG_PV) || defined(CONFIG_SHADOW_PAGING)', hap)).toBe(false);
    expect(evaluateCondition('!(defined(CONFIG_PV) || defined(CONFIG_SHADOW_PAGING))', hap)).toBe(true);
    expect(evaluateCondition('CONFIG_PV', hap)).toBe(false);
  });

  it('reads macros in view through the scope', () => {
    const withMacro = { config: x86, macro: (n: string) => (n === 'LEVEL' ? [{ conds: [], value: exact(3) }] : undefined) };
    expect(evaluateCondition('LEVEL >= 2', withMacro)).toBe(true);
    expect(evaluateCondition('LEVEL == 2', withMacro)).toBe(false);
  });

  it('combines a definition’s conditions: any false is false, any unknown is unknown', () => {
    expect(evaluateConditions([], scope)).toBe(true);
    expect(evaluateConditions(['defined(CONFIG_PV)', 'CONFIG_HVM'], scope)).toBe(true);
    expect(evaluateConditions(['defined(CONFIG_X)', '0'], scope)).toBe(false);
    expect(evaluateConditions(['defined(CONFIG_X)', '1'], scope)).toBe(undefined);
  });

  it('an unparsable condition is unknown, not a crash', () => {
    expect(evaluateCondition('defined(', scope)).toBe(undefined);
  });
});

describe('include guards', () => {
  it('finds #ifndef G / #define G and drops it from conditions', () => {
    const tree = parseC('#ifndef __X_H__\n#define __X_H__\n#if defined(CONFIG_PV)\n#define A 1\n#endif\n#endif\n');
    const guards = includeGuards(tree.rootNode);
    expect([...guards]).toEqual(['__X_H__']);
    expect(withoutGuards(['!defined(__X_H__)', 'defined(CONFIG_PV)'], guards)).toEqual(['defined(CONFIG_PV)']);
  });

  it('an #ifndef that does not define its symbol first is not a guard', () => {
    const tree = parseC('#ifndef flush_x\n#define flush_y 1\n#endif\n');
    expect(includeGuards(tree.rootNode).size).toBe(0);
  });
});
