import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isolateFunction } from '../../src/parser/c/isolate.js';
import { parseC, type SyntaxNode } from '../../src/parser/c/tree-sitter.js';
import { listCFiles } from '../../src/parser/tree-corpus.js';
import { functionDeclarator } from '../../src/sites/collect.js';
import { xenTree } from '../helpers/xen.js';

const nameOf = (node: SyntaxNode): string | undefined => functionDeclarator(node.childForFieldName('declarator'))?.childForFieldName('declarator')?.text;

// The model's tree-function lookup (src/model/tree-headers.ts) takes an isolated function only when it came out whole.
describe('a function isolated from a real Xen 4.17 file is the function the whole file parses', () => {
  it('every function taken (present, no errors, its own text) parses exactly as in its whole file', () => {
    const root = join(xenTree(), 'xen');
    const files = listCFiles(root).filter((p, i) => p.endsWith('.c') && i % 3 === 0);
    let taken = 0;
    for (const path of files) {
      const text = readFileSync(join(root, path), 'utf8').replace(/\r\n?/g, '\n');
      const whole = parseC(text).rootNode.descendantsOfType('function_definition');
      for (const name of [...new Set(whole.map(nameOf))].slice(0, 8)) {
        if (!name) continue;
        const isolated = isolateFunction(text, name);
        if (isolated === undefined) continue;
        expect(isolated).toHaveLength(text.length);
        const mine = parseC(isolated)
          .rootNode.descendantsOfType('function_definition')
          .filter((n) => nameOf(n) === name);
        if (mine.length === 0 || mine.some((n) => n.hasError || isolated.slice(n.startIndex, n.endIndex) !== text.slice(n.startIndex, n.endIndex))) continue;
        const theirs = whole.filter((n) => nameOf(n) === name);
        expect(
          mine.map((n) => [n.startIndex, n.endIndex, n.toString()]),
          `${path}: ${name}`,
        ).toEqual(theirs.map((n) => [n.startIndex, n.endIndex, n.toString()]));
        taken++;
      }
    }
    // Most lookups are answered without the whole file's parse.
    expect(taken).toBeGreaterThan(500);
  }, 120_000);
});
