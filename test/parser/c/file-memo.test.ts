import { describe, expect, it } from 'vitest';
import { parseC, parseFile, TooDeepError } from '../../../src/parser/c/tree-sitter.js';

const fileOf = (n: number, tag: string): string => Array.from({ length: n }, (_, i) => `static int ${tag}_${i}(void) { return ${i}; }`).join('\n');

describe('whole-file parses, once per text', () => {
  it('gives the same parse to every stage that asks for the same file text', () => {
    const text = fileOf(200, 'memo');
    const first = parseFile(text);
    expect(parseFile(`${text}`)).toBe(first);
    expect(first.rootNode.toString()).toBe(parseC(text).rootNode.toString());
  });

  it('keeps no small text (a hunk), and no more than its budget of files', () => {
    expect(parseFile('int x;')).not.toBe(parseFile('int x;'));
    const first = fileOf(200, 'evicted');
    const kept = parseFile(first);
    // Far more than the budget of other files: the first is parsed again.
    for (let i = 0; i < 40; i++) parseFile(fileOf(2000, `other${i}`));
    expect(parseFile(first)).not.toBe(kept);
  });

  it('remembers no refusal: a too-deep text is refused every time', () => {
    const deep = `int f(void) { return ${'('.repeat(400)}1${')'.repeat(400)}; }${' '.repeat(5000)}`;
    expect(() => parseFile(deep)).toThrow(TooDeepError);
    expect(() => parseFile(deep)).toThrow(TooDeepError);
  });
});
