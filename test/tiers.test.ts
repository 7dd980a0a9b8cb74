import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * `npm test` must pass with nothing but the checkout: a hermetic test that
 * reads the real Xen tree, spin or ../shared passes here only because this
 * machine happens to have them. Those helpers are for test/system/ alone.
 */
const TEST_DIR = import.meta.dirname;
const SYSTEM_ONLY = /from '(?:\.\.\/)+helpers\/(xen|spin|shared)\.js'/;

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'system' || e.name === 'helpers' ? [] : testFiles(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

describe('test tiers', () => {
  it('no hermetic test uses a system-tier helper (Xen source, spin, ../shared)', () => {
    const offenders = testFiles(TEST_DIR).filter((file) => SYSTEM_ONLY.test(readFileSync(file, 'utf8')));
    expect(offenders.map((f) => relative(TEST_DIR, f))).toEqual([]);
  });
});
