import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { withFields } from '../../src/util/with-fields.js';

// Reports are compared byte for byte: a copy must keep the spread's key order (kept keys in place, new ones last).
const key = fc.constantFrom('id', 'file', 'line', 'arch', 'classes', 'evidence', 'verdict', 'sim', 'notes', 'x86', 'arm');
const record = fc.dictionary(key, fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 })));

describe('withFields', () => {
  it('writes the JSON a spread copy writes, and leaves the record alone', () => {
    fc.assert(
      fc.property(record, record, (base, fields) => {
        const before = JSON.stringify(base);
        expect(JSON.stringify(withFields(base, fields))).toBe(JSON.stringify({ ...base, ...fields }));
        expect(JSON.stringify(base)).toBe(before);
      }),
    );
  });

  it('is a new object', () => {
    const site = { id: 's', arch: { x86: 1 } };
    const copy = withFields(site, { classes: ['other'] });
    expect(copy).not.toBe(site);
    expect(copy).toEqual({ id: 's', arch: { x86: 1 }, classes: ['other'] });
  });
});
