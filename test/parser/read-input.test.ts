import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readPatches } from '../../src/parser/read-input.js';
import { fixture } from '../helpers/cli.js';

/** The messages of a format-patch series, each as a text of its own. */
const messagesOf = (text: string): string[] => text.split(/^(?=From [0-9a-f]{40} )/m).filter((m) => m.trim() !== '');

describe('reading a series', () => {
  it('gives each patch the files its message gives read alone (a series parses them when read)', () => {
    const text = readFileSync(fixture('forms', 'series.patch'), 'utf8');
    const read = readPatches('series.patch', text, 0);
    if (!read.ok) throw new Error('the fixture must read');
    const alone = messagesOf(text).flatMap((m) => {
      const one = readPatches('one', m, 0);
      return one.ok ? one.value.patches : [];
    });
    expect(read.value.patches.length).toBeGreaterThan(1);
    // Where a hunk starts in the input is all that differs.
    const files = (p: { files: unknown }): string => JSON.stringify(p.files, (key, value: unknown) => (key === 'inputLine' ? undefined : value));
    expect(read.value.patches.map(files)).toEqual(alone.map(files));
  });

  it('still reports a broken message when the series is read, not when its patch is reviewed', () => {
    const [first, second] = messagesOf(readFileSync(fixture('forms', 'series.patch'), 'utf8'));
    // The second message's first hunk claims more lines than it holds.
    const broken = second!.replace(/^@@ -(\d+),(\d+) /m, (_, start: string, count: string) => `@@ -${start},${Number(count) + 40} `);
    const read = readPatches('series.patch', `${first}${broken}`, 0);
    expect(read.errors.map((e) => e.code)).toEqual(['truncated-hunk']);
    expect(read.ok && read.value.patches.length).toBe(1);
  });
});
