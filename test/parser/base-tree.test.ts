import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DirTree } from '../../src/parser/base-tree.js';

describe('DirTree never reads outside the tree', () => {
  const top = mkdtempSync(join(tmpdir(), 'flushcheck-tree-'));
  const root = join(top, 'tree');
  mkdirSync(join(root, 'xen'), { recursive: true });
  writeFileSync(join(root, 'xen', 'a.c'), 'int a;\n');
  writeFileSync(join(top, 'secret.c'), 'int secret;\n');
  symlinkSync(join(top, 'secret.c'), join(root, 'xen', 'link.c'));
  symlinkSync(top, join(root, 'up'));
  const tree = new DirTree(root);

  it('reads a file inside', () => expect(tree.read('xen/a.c')).toBe('int a;\n'));
  it('refuses ../', () => expect(tree.read('../secret.c')).toBeUndefined());
  it('refuses ../ in the middle', () => expect(tree.read('xen/../../secret.c')).toBeUndefined());
  it('refuses absolute paths', () => expect(tree.read(join(top, 'secret.c'))).toBeUndefined());
  it('refuses a symlinked file that leaves the tree', () => expect(tree.read('xen/link.c')).toBeUndefined());
  it('refuses a symlinked directory that leaves the tree', () => expect(tree.read('up/secret.c')).toBeUndefined());
  it('refuses a directory', () => expect(tree.read('xen')).toBeUndefined());
});
