import { describe, expect, it } from 'vitest';
import { SharedText } from '../../src/util/shared-text.js';

const shared = <T>(value: T): T => new SharedText().share(value);

describe('SharedText', () => {
  it('gives back the same records with the same values', () => {
    const note = (i: number): string => `assisted path: read from the built-in model (${i % 2})`;
    const sites = Array.from({ length: 50 }, (_, i) => ({ id: `s${i}`, notes: [note(i), note(i + 1)], arch: { x86: { sim: { notes: [note(i)], cpus: 3, safe: i % 3 === 0 } } } }));
    const before = structuredClone(sites);
    const shared = new SharedText();
    for (const site of sites) expect(shared.share(site)).toBe(site);
    expect(sites).toEqual(before);
  });

  it('takes a record reached twice', () => {
    const common = { notes: ['x'] };
    const record = { common, again: common, text: 'y' };
    expect(new SharedText().share(record)).toBe(record);
    expect(record).toEqual({ common: { notes: ['x'] }, again: { notes: ['x'] }, text: 'y' });
    expect(record.again).toBe(common);
  });

  it('leaves what is not a plain object or array alone', () => {
    const map = new Map([['k', 'v']]);
    const record = { map, when: new Date(0), none: null, n: 1 };
    new SharedText().share(record);
    expect(record.map).toBe(map);
    expect([...map]).toEqual([['k', 'v']]);
    expect(new SharedText().share('text')).toBe('text');
  });

  it('points equal lists of text at one frozen copy, and keeps unequal ones apart', () => {
    const shared = new SharedText();
    const a = shared.share({ notes: ['x', 'y'], args: ['a,b'], more: ['a"', 'b'] });
    const b = shared.share({ notes: ['x', 'y'], args: ['a', 'b'], more: ['a', '"b'] });
    expect(a.notes).toBe(b.notes);
    expect(Object.isFrozen(a.notes)).toBe(true);
    expect(a.args).not.toBe(b.args);
    expect(a.more).not.toBe(b.more);
    expect([a, b]).toEqual([
      { notes: ['x', 'y'], args: ['a,b'], more: ['a"', 'b'] },
      { notes: ['x', 'y'], args: ['a', 'b'], more: ['a', '"b'] },
    ]);
    // A stage that wrote to a shared list would write to every site's: it throws instead.
    expect(() => (a.notes as string[]).push('z')).toThrow(TypeError);
  });

  it('copies other lists, and walks into them', () => {
    const steps = [{ message: 'm' }, { message: 'n' }];
    const record = shared({ steps, mixed: ['t', 1] });
    expect(record.steps).not.toBe(steps);
    expect(record.steps[0]).toBe(steps[0]);
    expect(Object.isFrozen(record.steps)).toBe(false);
    expect(record).toEqual({ steps: [{ message: 'm' }, { message: 'n' }], mixed: ['t', 1] });
  });
});
