import { describe, expect, it } from 'vitest';
import { parseDiffRegion } from '../../src/parser/diff.js';

const parse = (text: string) => parseDiffRegion({ firstLine: 1, lines: text.split('\n') }, 'test.diff');

const hunk = ['@@ -1,3 +1,3 @@', ' int a;', '-int b;', '+int c;', ' int d;'];

describe('plain diff -u paths', () => {
  it('drops the top directory two trees disagree on, as patch -p1 does', () => {
    const { files, error } = parse(
      [
        'diff -ur xen-4.17.orig/xen/common/memory.c xen-4.17/xen/common/memory.c',
        '--- xen-4.17.orig/xen/common/memory.c\t2024-03-02 10:11:12.000000000 +0000',
        '+++ xen-4.17/xen/common/memory.c\t2024-03-02 10:15:40.000000000 +0000',
        ...hunk,
      ].join('\n'),
    );
    expect(error).toBeUndefined();
    expect(files.map((f) => [f.oldPath, f.newPath, f.status])).toEqual([['xen/common/memory.c', 'xen/common/memory.c', 'modified']]);
  });

  it('names both sides by the new path when one file was diffed against its copy', () => {
    const { files } = parse(['--- xen/common/memory.c.orig', '+++ xen/common/memory.c', ...hunk].join('\n'));
    expect(files.map((f) => [f.oldPath, f.newPath, f.status])).toEqual([['xen/common/memory.c', 'xen/common/memory.c', 'modified']]);
  });

  it('reads diff -N entries as added and deleted files', () => {
    const { files } = parse(
      [
        'diff -urN a/xen/new.c b/xen/new.c',
        '--- a/xen/new.c\t1970-01-01 00:00:00.000000000 +0000',
        '+++ b/xen/new.c\t2024-03-02 10:15:40.000000000 +0000',
        '@@ -0,0 +1,2 @@',
        '+int a;',
        '+int b;',
        'diff -urN a/xen/old.c b/xen/old.c',
        '--- a/xen/old.c\t2024-03-02 10:15:40.000000000 +0000',
        '+++ b/xen/old.c\t1970-01-01 00:00:00.000000000 +0000',
        '@@ -1 +0,0 @@',
        '-int a;',
      ].join('\n'),
    );
    expect(files.map((f) => [f.oldPath, f.newPath, f.status])).toEqual([
      [null, 'xen/new.c', 'added'],
      ['xen/old.c', null, 'deleted'],
    ]);
  });

  it('takes the paths of a pure rename from its rename lines (diff.noprefix leaves nothing else)', () => {
    const { files } = parse(
      ['diff --git xen/common/grant_table.c xen/common/grant-table.c', 'similarity index 100%', 'rename from xen/common/grant_table.c', 'rename to xen/common/grant-table.c'].join('\n'),
    );
    expect(files.map((f) => [f.oldPath, f.newPath, f.status])).toEqual([['xen/common/grant_table.c', 'xen/common/grant-table.c', 'renamed']]);
  });

  it('keeps git renames, which name both paths exactly', () => {
    const { files } = parse(
      [
        'diff --git a/xen/common/grant_table.c b/xen/common/grant-table.c',
        'similarity index 90%',
        'rename from xen/common/grant_table.c',
        'rename to xen/common/grant-table.c',
        'index 0344247..5d8d997 100644',
        '--- a/xen/common/grant_table.c',
        '+++ b/xen/common/grant-table.c',
        ...hunk,
      ].join('\n'),
    );
    expect(files.map((f) => [f.oldPath, f.newPath, f.status])).toEqual([['xen/common/grant_table.c', 'xen/common/grant-table.c', 'renamed']]);
  });
});
