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

const shape = (text: string) => parse(text).files.map((f) => [f.oldPath, f.newPath, f.status]);

describe('git extended headers', () => {
  it('reads a copy with its similarity, and keeps the header lines as notes', () => {
    const { files } = parse(
      ['diff --git a/xen/common/a.c b/xen/common/b.c', 'similarity index 95%', 'copy from xen/common/a.c', 'copy to xen/common/b.c', '--- a/xen/common/a.c', '+++ b/xen/common/b.c', ...hunk].join(
        '\n',
      ),
    );
    expect(files.map((f) => [f.oldPath, f.newPath, f.status])).toEqual([['xen/common/a.c', 'xen/common/b.c', 'copied']]);
    expect(files[0]!.notes).toEqual(['similarity index 95%', 'copy from xen/common/a.c', 'copy to xen/common/b.c']);
    expect(files[0]!.hunks[0]!.lines.map((l) => l.change)).toEqual(['unchanged', 'removed', 'added', 'unchanged']);
  });

  it('reads new and deleted files by their modes, with /dev/null on the missing side', () => {
    expect(
      shape(
        [
          'diff --git a/xen/new.c b/xen/new.c',
          'new file mode 100644',
          'index 0000000..5d8d997',
          '--- /dev/null',
          '+++ b/xen/new.c',
          '@@ -0,0 +1 @@',
          '+int a;',
          'diff --git a/xen/old.c b/xen/old.c',
          'deleted file mode 100644',
          'index 5d8d997..0000000',
          '--- a/xen/old.c',
          '+++ /dev/null',
          '@@ -1 +0,0 @@',
          '-int a;',
        ].join('\n'),
      ),
    ).toEqual([
      [null, 'xen/new.c', 'added'],
      ['xen/old.c', null, 'deleted'],
    ]);
  });

  it('reads a mode change without hunks, then the next file', () => {
    const { files } = parse(
      [
        'diff --git a/tools/run.sh b/tools/run.sh',
        'old mode 100644',
        'new mode 100755',
        'diff --git a/xen/a.c b/xen/a.c',
        'index 0344247..5d8d997 100644',
        '--- a/xen/a.c',
        '+++ b/xen/a.c',
        ...hunk,
      ].join('\n'),
    );
    expect(files.map((f) => [f.oldPath, f.newPath, f.status, f.hunks.length])).toEqual([
      ['tools/run.sh', 'tools/run.sh', 'mode-only', 0],
      ['xen/a.c', 'xen/a.c', 'modified', 1],
    ]);
    expect(files[0]!.notes).toEqual(['old mode 100644', 'new mode 100755']);
  });

  it('keeps the preimage blob of an index line with or without a mode', () => {
    const { files } = parse(
      [
        'diff --git a/xen/a.c b/xen/a.c',
        'index 0344247..5d8d997 100644',
        '--- a/xen/a.c',
        '+++ b/xen/a.c',
        ...hunk,
        'diff --git a/xen/b.c b/xen/b.c',
        'old mode 100644',
        'new mode 100755',
        'index abcdef12..5d8d997',
        '--- a/xen/b.c',
        '+++ b/xen/b.c',
        ...hunk,
      ].join('\n'),
    );
    expect(files.map((f) => f.oldBlob)).toEqual(['0344247', 'abcdef12']);
  });

  it('reads binary files, git and GNU diff alike, and skips a binary patch body', () => {
    const { files, error } = parse(
      [
        'diff --git a/docs/a.png b/docs/a.png',
        'index 0344247..5d8d997 100644',
        'Binary files a/docs/a.png and b/docs/a.png differ',
        'diff --git a/docs/b.png b/docs/b.png',
        'index 0344247..5d8d997 100644',
        'GIT binary patch',
        'literal 12',
        'zcmZ?wbhEHb6krfw_{6~Q',
        '',
        'literal 0',
        'HcmV?d00001',
        '',
        'diff --git a/xen/a.c b/xen/a.c',
        '--- a/xen/a.c',
        '+++ b/xen/a.c',
        ...hunk,
      ].join('\n'),
    );
    expect(error).toBeUndefined();
    expect(files.map((f) => [f.oldPath, f.newPath, f.status])).toEqual([
      ['docs/a.png', 'docs/a.png', 'binary'],
      ['docs/b.png', 'docs/b.png', 'binary'],
      ['xen/a.c', 'xen/a.c', 'modified'],
    ]);
  });

  it('reads quoted paths with C escapes on every header line', () => {
    const { files } = parse(
      [
        'diff --git "a/docs/tab\\there.c" "b/docs/caf\\303\\251 \\"x\\".c"',
        'similarity index 90%',
        'rename from "docs/tab\\there.c"',
        'rename to "docs/caf\\303\\251 \\"x\\".c"',
        '--- "a/docs/tab\\there.c"',
        '+++ "b/docs/caf\\303\\251 \\"x\\".c"',
        ...hunk,
        'diff --git "a/xen/sp ace.c" "b/xen/sp ace.c"',
        '--- "a/xen/sp ace.c"',
        '+++ "b/xen/sp ace.c"',
        ...hunk,
      ].join('\n'),
    );
    expect(files.map((f) => [f.oldPath, f.newPath, f.status])).toEqual([
      ['docs/tab\there.c', 'docs/café "x".c', 'renamed'],
      ['xen/sp ace.c', 'xen/sp ace.c', 'modified'],
    ]);
  });

  it('splits an unquoted diff --git line with spaces in the name at its middle', () => {
    expect(shape(['diff --git a/xen/a b.c b/xen/a b.c', 'new file mode 100644', 'index 0000000..5d8d997'].join('\n'))).toEqual([[null, 'xen/a b.c', 'added']]);
  });
});

describe('hunks', () => {
  it('reads omitted counts as one line, and numbers the lines of each side', () => {
    const { files } = parse(['--- a/xen/a.c', '+++ b/xen/a.c', '@@ -7 +7 @@ void f(void)', '-int b;', '+int c;'].join('\n'));
    const [h] = files[0]!.hunks;
    expect([h!.oldStart, h!.oldLines, h!.newStart, h!.newLines, h!.section]).toEqual([7, 1, 7, 1, 'void f(void)']);
    expect(h!.lines).toEqual([
      { change: 'removed', oldLine: 7, text: 'int b;' },
      { change: 'added', newLine: 7, text: 'int c;' },
    ]);
  });

  it('skips "\\ No newline at end of file" wherever it stands, counting it as no line', () => {
    const { files, error } = parse(
      ['--- a/xen/a.c', '+++ b/xen/a.c', '@@ -1 +1 @@', '\\ No newline at end of file', '-int b;', '\\ No newline at end of file', '+int c;', '\\ No newline at end of file'].join('\n'),
    );
    expect(error).toBeUndefined();
    expect(files[0]!.hunks[0]!.lines.map((l) => l.text)).toEqual(['int b;', 'int c;']);
  });

  it('reads CRLF lines as their text without the carriage return', () => {
    const { files } = parse(['diff --git a/xen/a.c b/xen/a.c', '--- a/xen/a.c', '+++ b/xen/a.c', ...hunk].join('\r\n'));
    expect(files.map((f) => [f.oldPath, f.newPath])).toEqual([['xen/a.c', 'xen/a.c']]);
    expect(files[0]!.hunks[0]!.lines.map((l) => l.text)).toEqual(['int a;', 'int b;', 'int c;', 'int d;']);
  });

  it('takes hunk lines that look like headers as hunk lines: the header counts decide', () => {
    const { files } = parse(['--- a/xen/a.c', '+++ b/xen/a.c', '@@ -1,2 +1,2 @@', '--- a/old', '+++ b/new', ' diff --git x y'].join('\n'));
    expect(files).toHaveLength(1);
    expect(files[0]!.hunks[0]!.lines.map((l) => [l.change, l.text])).toEqual([
      ['removed', '-- a/old'],
      ['added', '++ b/new'],
      ['unchanged', 'diff --git x y'],
    ]);
  });

  it('reports a hunk cut short once, at its header', () => {
    const { error } = parse(['diff --git a/xen/a.c b/xen/a.c', '--- a/xen/a.c', '+++ b/xen/a.c', '@@ -1,3 +1,3 @@', ' int a;', '-int b;'].join('\n'));
    expect(error).toMatchObject({ line: 4, code: 'truncated-hunk', message: 'truncated hunk in xen/a.c: header promises 3 old and 3 new lines, found 2 and 1' });
  });

  it('reports a hunk with more lines of one side than its header promises', () => {
    const { error } = parse(['--- a/xen/a.c', '+++ b/xen/a.c', '@@ -1,1 +1,2 @@', '-int a;', '-int b;', '+int c;'].join('\n'));
    expect(error).toMatchObject({ line: 3, code: 'malformed-hunk' });
  });
});

describe('between files', () => {
  it('ignores text between files and a git diff that has no ---/+++ (a pure rename)', () => {
    expect(
      shape(
        [
          'diff --git a/xen/a.c b/xen/b.c',
          'similarity index 100%',
          'rename from xen/a.c',
          'rename to xen/b.c',
          'some words a mailer added',
          'diff --git a/xen/c.c b/xen/c.c',
          '--- a/xen/c.c',
          '+++ b/xen/c.c',
          ...hunk,
          'more stray words',
          '',
          'diff --git a/xen/d.c b/xen/d.c',
          '--- a/xen/d.c',
          '+++ b/xen/d.c',
          ...hunk,
        ].join('\n'),
      ),
    ).toEqual([
      ['xen/a.c', 'xen/b.c', 'renamed'],
      ['xen/c.c', 'xen/c.c', 'modified'],
      ['xen/d.c', 'xen/d.c', 'modified'],
    ]);
  });

  it('reads consecutive plain ---/+++ files without diff lines', () => {
    expect(shape(['--- a/xen/a.c', '+++ b/xen/a.c', ...hunk, '--- a/xen/b.c', '+++ b/xen/b.c', ...hunk].join('\n'))).toEqual([
      ['xen/a.c', 'xen/a.c', 'modified'],
      ['xen/b.c', 'xen/b.c', 'modified'],
    ]);
  });
});

describe('hostile headers', () => {
  it('refuses a file header longer than any path, but not a hunk line that starts like one', () => {
    const long = 'x'.repeat(9000);
    expect(parse([`diff --git a/${long} b/${long}`, ...hunk].join('\n')).error).toMatchObject({ line: 1, code: 'header-too-long' });
    const { files, error } = parse(['--- a/xen/a.c', '+++ b/xen/a.c', '@@ -1 +1 @@', `--- ${long}`, '+int c;'].join('\n'));
    expect(error).toBeUndefined();
    expect(files[0]!.hunks[0]!.lines[0]!.text).toBe(`-- ${long}`);
  });

  it('reads a quoted path with a broken escape as plain text, without failing', () => {
    const { files, error } = parse(['--- "a/xen/a\\q.c"', '+++ "b/xen/a\\q.c"', ...hunk].join('\n'));
    expect(error).toBeUndefined();
    expect(files.map((f) => [f.newPath?.includes('xen/a\\q.c'), f.status, f.hunks.length])).toEqual([[true, 'modified', 1]]);
  });
});
