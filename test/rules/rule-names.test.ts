import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config.js';
import { findRule } from '../../src/rules/index.js';
import { parseDirective } from '../../src/suppressions/read.js';

/** One rule for rule names, wherever a user writes one: id or slug, in any case; stored as the id. */
describe('rule names', () => {
  it.each(['FC001', 'fc001', 'Fc001', 'missing-forced-ipi', 'Missing-Forced-IPI'])('%s is FC001', (name) => {
    expect(findRule(name)?.meta.id).toBe('FC001');
  });

  it('is not a prefix or a pattern', () => {
    expect(findRule('FC00')).toBeUndefined();
    expect(findRule('missing')).toBeUndefined();
    expect(findRule('FC001 ')).toBeUndefined();
  });

  it('inline comments and the configuration file read a name alike', () => {
    for (const name of ['fc002', 'UNNECESSARY-FORCED-IPI']) {
      expect(parseDirective(`/* flushcheck: ignore ${name} -- checked */`)).toEqual({ rules: ['FC002'], reason: 'checked' });
      expect(parseConfigText(JSON.stringify({ rules: { [name]: 'off' } }))).toEqual({ ok: true, config: { rules: { FC002: 'off' } } });
    }
  });

  it('the configuration file refuses two names of one rule', () => {
    expect(parseConfigText(JSON.stringify({ rules: { FC002: 'off', fc002: 'note' } }))).toEqual({ ok: false, message: 'rules: "fc002" names FC002 a second time' });
  });
});
