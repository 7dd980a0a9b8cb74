import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { containedFile, DirTree } from '../../src/parser/base-tree.js';

describe('DirTree never reads outside the tree', () => {
  const top = mkdtempSync(join(tmpdir(), 'flushcheck-tree-'));
  const root = join(top, 'tree');
  mkdirSync(join(root, 'xen'), { recursive: true });
  writeFileSync(join(root, 'xen', 'a.c'), 'int a;\n');
  writeFileSync(join(top, 'secret.c'), 'int secret;\n');
  symlinkSync(join(top, 'secret.c'), join(root, 'xen', 'link.c'));
  symlinkSync(top, join(root, 'up'));
  symlinkSync(join(root, 'xen', 'a.c'), join(root, 'xen', 'inside.c'));
  symlinkSync(join(root, 'xen'), join(root, 'hypervisor'));
  execFileSync('mkfifo', [join(root, 'xen', 'fifo.c')]);
  const tree = new DirTree(root);

  it('reads a file inside', () => expect(tree.read('xen/a.c')).toBe('int a;\n'));
  it('refuses ../', () => expect(tree.read('../secret.c')).toBeUndefined());
  it('refuses ../ in the middle', () => expect(tree.read('xen/../../secret.c')).toBeUndefined());
  it('refuses absolute paths', () => expect(tree.read(join(top, 'secret.c'))).toBeUndefined());
  it('refuses a symlinked file that leaves the tree', () => expect(tree.read('xen/link.c')).toBeUndefined());
  it('refuses a symlinked directory that leaves the tree', () => expect(tree.read('up/secret.c')).toBeUndefined());
  it('refuses a directory', () => expect(tree.read('xen')).toBeUndefined());
  it('refuses a FIFO: a read would never end', () => expect(tree.read('xen/fifo.c')).toBeUndefined());
  it('reads through symlinks that stay inside', () => {
    expect(tree.read('xen/inside.c')).toBe('int a;\n');
    expect(tree.read('hypervisor/a.c')).toBe('int a;\n');
  });
  it('answers the same from its memory of directories as without it', () => {
    const directories = new Map<string, string>();
    for (const path of ['xen/a.c', 'up/secret.c', 'xen/link.c', 'hypervisor/a.c', 'xen/fifo.c', 'xen', 'xen/none.c', 'up/secret.c', 'xen/a.c'])
      expect(containedFile(tree.directory, path, directories), path).toBe(containedFile(tree.directory, path));
    expect(directories.size).toBeGreaterThan(0);
  });
});
