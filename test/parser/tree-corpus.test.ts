import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startEarlyCorpusRead, takeEarlyCorpusRead } from '../../src/parser/corpus-read.js';
import { hypervisorScope, prefetchTreeCorpus, TreeCorpus, treeCorpus } from '../../src/parser/tree-corpus.js';

describe('TreeCorpus: a tree searched byte by byte, decoded as a tree reader reads it', () => {
  const top = mkdtempSync(join(tmpdir(), 'flushcheck-corpus-'));
  const root = join(top, 'tree');
  const files: Record<string, string> = {
    'xen/arch/x86/smp.c': 'void flush_area_mask(void) { send_ipi(); }\n',
    'xen/arch/x86/mm/p2m.c': 'void f(void) { flush_area_mask (); }\n',
    'xen/arch/x86z.c': 'int flush_area_mask;\n',
    'xen/common/page_alloc.c': 'void g(void) {\r\n  flush_tlb_mask(m); /* café */\r\n}\r\n',
    'xen/common/ünïcode.c': 'int naïve_flush(void);\n',
    'tools/misc/a.c': 'flush_area_mask\n',
  };
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  writeFileSync(join(top, 'outside.c'), 'flush_area_mask();\n');
  symlinkSync(join(top, 'outside.c'), join(root, 'xen', 'common', 'link.c'));
  // The whole tree: the file list below spans xen/ and tools/.
  const corpus = new TreeCorpus(root, '');
  const paths = (set: Iterable<number>): string[] => [...set].map((i) => corpus.path(i)).sort();

  it('lists C files in path order, symlinks left out', () => {
    expect(corpus.size).toBe(6);
    expect(corpus.indexOf('xen/common/link.c')).toBeUndefined();
  });

  it('finds every file that mentions a name, like text.includes', () => {
    expect(paths(corpus.filesMentioning('flush_area_mask'))).toEqual(['tools/misc/a.c', 'xen/arch/x86/mm/p2m.c', 'xen/arch/x86/smp.c', 'xen/arch/x86z.c']);
    expect(paths(corpus.filesMentioning('no_such_name'))).toEqual([]);
  });

  it('searches only under a path prefix when asked (subdirectories included, a longer sibling name not)', () => {
    expect(paths(corpus.filesMentioning('flush_area_mask', 'xen/arch/x86/'))).toEqual(['xen/arch/x86/mm/p2m.c', 'xen/arch/x86/smp.c']);
    expect(paths(corpus.filesMentioning('flush_area_mask', 'xen/common/'))).toEqual([]);
    expect(paths(corpus.filesMentioning('flush_area_mask', 'zzz/'))).toEqual([]);
  });

  it('finds a name that is not ASCII in the decoded text', () => {
    expect(paths(corpus.filesMentioning('naïve_flush'))).toEqual(['xen/common/ünïcode.c']);
    expect(paths(corpus.filesMentioning('café'))).toEqual(['xen/common/page_alloc.c']);
  });

  it('finds calls (a name followed by an open parenthesis)', () => {
    expect(paths(corpus.filesCalling(['flush_area_mask']))).toEqual(['xen/arch/x86/mm/p2m.c', 'xen/arch/x86/smp.c']);
  });

  it('decodes a file as UTF-8 with line ends normalized', () => {
    expect(corpus.text('xen/common/page_alloc.c')).toBe('void g(void) {\n  flush_tlb_mask(m); /* café */\n}\n');
    expect(corpus.text('xen/common/absent.c')).toBeUndefined();
  });

  it('reads only the hypervisor (xen/) of a repository root by default, paths still from the root', () => {
    expect(hypervisorScope(root)).toBe('xen');
    expect(hypervisorScope(join(root, 'xen'))).toBe('');
    const hypervisor = new TreeCorpus(root);
    expect(hypervisor.files).toEqual(corpus.files.filter((p) => p.startsWith('xen/')));
    expect([...hypervisor.filesMentioning('flush_area_mask')].map((i) => hypervisor.path(i)).sort()).toEqual(['xen/arch/x86/mm/p2m.c', 'xen/arch/x86/smp.c', 'xen/arch/x86z.c']);
    const fromXen = new TreeCorpus(join(root, 'xen'));
    expect(fromXen.files).toEqual(hypervisor.files.map((p) => p.slice('xen/'.length)));
  });

  it('a prefetched corpus (read in a worker) is the corpus read in this thread', () => {
    const reader = { label: 'prefetched', directory: root, read: () => undefined };
    prefetchTreeCorpus(reader);
    const prefetched = treeCorpus(reader)!;
    const direct = new TreeCorpus(root);
    expect(prefetched.files).toEqual(direct.files);
    for (const path of direct.files) expect(prefetched.text(path)).toBe(direct.text(path));
    expect([...prefetched.filesMentioning('flush_area_mask')]).toEqual([...direct.filesMentioning('flush_area_mask')]);
    expect(prefetched.filesCalling(['flush_area_mask'])).toEqual(direct.filesCalling(['flush_area_mask']));
    expect(treeCorpus(reader)).toBe(prefetched);
  });

  it('a caller that takes a started corpus waits for a prefetch under way, and starts no read itself', () => {
    const reader = { label: 'started', directory: root, read: () => undefined };
    expect(treeCorpus(reader, 'started')).toBeUndefined();
    prefetchTreeCorpus(reader);
    const started = treeCorpus(reader, 'started');
    expect(started?.files).toEqual(new TreeCorpus(root).files);
    expect(treeCorpus(reader, 'existing')).toBe(started);
  });

  it('a prefetch of a tree that cannot be listed ends as reading it here does: no corpus', () => {
    const missing = { label: 'missing', directory: join(top, 'no-such-tree'), read: () => undefined };
    expect(treeCorpus({ ...missing })).toBeUndefined();
    prefetchTreeCorpus(missing);
    expect(treeCorpus(missing)).toBeUndefined();
  });

  it('is made once per tree reader, and only for a directory tree', () => {
    const reader = { label: 'tree', directory: root, read: () => undefined };
    const first = treeCorpus(reader);
    expect(treeCorpus(reader)).toBe(first);
    expect(treeCorpus({ ...reader })).not.toBe(first);
    expect(treeCorpus({ label: 'fresh', directory: root, read: () => undefined }, 'existing')).toBeUndefined();
    expect(treeCorpus({ label: 'fresh', directory: root, read: () => undefined }, 'started')).toBeUndefined();
    expect(treeCorpus({ label: 'git', read: () => undefined })).toBeUndefined();
  });
});

describe('the tree read the entry point starts before it loads the CLI', () => {
  // A Xen repository root (xen/common and xen/include/xen), and a directory that is none.
  const top = realpathSync(mkdtempSync(join(tmpdir(), 'flushcheck-early-')));
  const root = join(top, 'xen-repo');
  for (const [path, text] of Object.entries({
    'xen/common/page_alloc.c': 'void g(void) { flush_tlb_mask(m); }\n',
    'xen/include/xen/mm.h': '#define MEMF_no_tlbflush 1\n',
    'tools/misc/a.c': 'int a;\n',
  })) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  const plain = join(top, 'plain');
  mkdirSync(join(plain, 'src'), { recursive: true });
  writeFileSync(join(plain, 'src', 'a.c'), 'int a;\n');
  const started = async (args: string[], directory = root): Promise<boolean> => {
    startEarlyCorpusRead(args);
    const read = takeEarlyCorpusRead(directory);
    await read?.worker.terminate();
    return read !== undefined;
  };

  it('is the one the review takes, and gives the corpus read in this thread', () => {
    startEarlyCorpusRead(['review', '--format', 'json', '--tree', root, 'some.patch']);
    const reader = { label: 'early', directory: root, read: () => undefined };
    prefetchTreeCorpus(reader);
    // Taken once: nothing is left to hand over.
    expect(takeEarlyCorpusRead(root)).toBeUndefined();
    const early = treeCorpus(reader)!;
    const direct = new TreeCorpus(root);
    expect(early.files).toEqual(['xen/common/page_alloc.c', 'xen/include/xen/mm.h']);
    expect(early.files).toEqual(direct.files);
    for (const path of direct.files) expect(early.text(path)).toBe(direct.text(path));
  });

  it('starts for `review --tree DIR` alone, DIR in a Xen tree, reading the tree from its root', async () => {
    expect(await started(['review', '--tree', root, 'a.patch'])).toBe(true);
    expect(await started(['review', `--tree=${join(root, 'xen')}`, '--format', 'sarif', '-'])).toBe(true);
    expect(await started(['--no-color', 'review', '--tree', join(root, 'xen', 'common'), 'a.patch'])).toBe(true);
    // Another command, a git revision to read instead, no directory named, none there, no Xen tree.
    expect(await started(['scan', '--tree', root])).toBe(false);
    expect(await started(['review', '--git', 'HEAD~1..HEAD', '--tree', root])).toBe(false);
    expect(await started(['review', '--tree'])).toBe(false);
    expect(await started(['review', '--tree', join(top, 'no-such-tree'), 'a.patch'])).toBe(false);
    expect(await started(['review', '--tree', plain, 'a.patch'], plain)).toBe(false);
  });
});
