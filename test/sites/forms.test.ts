import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { FileDiff, RunResult, Site } from '../../src/types.js';
import { decodeInput, readPatches } from '../../src/parser/read-input.js';
import { fixture, runCli } from '../helpers/cli.js';

// Every input form of fixtures/forms/ (written for these tests in Xen's
// style; see fixtures/forms/README.md), with the sites each must yield.

async function review(...args: string[]): Promise<RunResult> {
  const run = await runCli(['review', '--format', 'json', '--fail-on', 'never', ...args]);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as RunResult;
}

const form = (name: string): string => fixture('forms', name);

/** One site as `p<patch> <file>:<line> <side> <change> <function> <kind> <api>(<args>)`. */
const row = (s: Site): string => `p${s.patch} ${s.file}:${s.line} ${s.side} ${s.change} ${s.function ?? '-'} ${s.kind} ${s.api}${s.args ? `(${s.args.join(', ')})` : ''}`;
const rows = (run: RunResult): string[] => run.sites.map(row);
const find = (run: RunResult, file: string, line: number, side: Site['side'], api: string): Site => {
  const site = run.sites.find((s) => s.file === file && s.line === line && s.side === side && s.api === api);
  if (!site) throw new Error(`no ${api} site at ${file}:${line} (${side})`);
  return site;
};
const meta = (run: RunResult) => run.patches.map(({ subject, author, date, form: f }) => ({ subject, author, date, form: f }));

function filesOf(name: string): Pick<FileDiff, 'oldPath' | 'newPath' | 'status' | 'notes'>[][] {
  const text = decodeInput(name, readFileSync(form(name)));
  if (!text.ok) throw new Error(text.error.message);
  const read = readPatches(name, text.value, 0);
  if (!read.ok) throw new Error(read.error.message);
  return read.value.patches.map((p) => p.files.map(({ oldPath, newPath, status, notes }) => ({ oldPath, newPath, status, notes })));
}

describe('plain unified diffs', () => {
  it('git diff: sites in both files, the function from the hunk header, a binary file noted', async () => {
    const run = await review(form('git-diff.diff'));
    expect(meta(run)).toEqual([{ subject: undefined, author: undefined, date: undefined, form: 'unified-diff' }]);
    expect(rows(run)).toEqual([
      'p0 xen/arch/x86/mm/p2m.c:32 new added p2m_retype_range call guest_flush_tlb_mask(d, d->dirty_cpumask)',
      'p0 xen/arch/x86/mm/p2m.c:41 old removed p2m_flush_all call flush_tlb_mask(d->dirty_cpumask)',
      'p0 xen/arch/x86/mm/p2m.c:45 new added p2m_flush_all call guest_flush_tlb_mask(d, d->dirty_cpumask)',
      'p0 xen/common/grant_table.c:27 new added gnttab_flush_unmaps call flush_tlb_mask(ld->dirty_cpumask)',
      'p0 xen/common/grant_table.c:32 new unchanged gnttab_flush_unmaps call flush_tlb_one_mask(ld->dirty_cpumask, unmaps[i].va)',
    ]);
    expect(find(run, 'xen/common/grant_table.c', 27, 'new', 'flush_tlb_mask').guards).toEqual(['nr > GNTTAB_UNMAP_BATCH']);
    expect(find(run, 'xen/arch/x86/mm/p2m.c', 32, 'new', 'guest_flush_tlb_mask').guards).toEqual(['i']);
    expect(filesOf('git-diff.diff')[0]![0]).toEqual({
      oldPath: 'docs/figs/flush-paths.png',
      newPath: 'docs/figs/flush-paths.png',
      status: 'binary',
      notes: ['Binary files a/docs/figs/flush-paths.png and b/docs/figs/flush-paths.png differ'],
    });
  });

  it('diff -ur of two trees: paths as in the tree, a function only where the hunk shows its signature', async () => {
    const run = await review(form('diff-u.diff'));
    // diff -u without -p names no function in its hunk headers.
    expect(rows(run)).toEqual([
      'p0 xen/common/memory.c:13 new unchanged - flag-use need_tlbflush',
      'p0 xen/common/memory.c:15 new added - flag-use MEMF_no_tlbflush',
      'p0 xen/common/memory.c:15 old removed - flag-use MEMF_no_tlbflush',
      'p0 xen/common/page_alloc.c:49 new unchanged - flag-use need_tlbflush',
      'p0 xen/common/page_alloc.c:52 new unchanged - call filtered_flush_tlb_mask(tlbflush_timestamp)',
      'p0 xen/common/page_alloc.c:94 new added alloc_run_noflush flag-use MEMF_no_tlbflush',
    ]);
    expect(filesOf('diff-u.diff')[0]!.map((f) => [f.oldPath, f.newPath, f.status])).toEqual([
      ['xen/common/memory.c', 'xen/common/memory.c', 'modified'],
      ['xen/common/page_alloc.c', 'xen/common/page_alloc.c', 'modified'],
    ]);
  });
});

describe('git format-patch', () => {
  it('one patch: subject, author and date, and the two branches of the new if', async () => {
    const run = await review(form('format-patch.patch'));
    expect(meta(run)).toEqual([
      {
        subject: '[PATCH] x86/mm: flush with an IPI when a page table loses its type',
        author: 'Alicia Moreno <alicia.moreno@example.org>',
        date: 'Tue, 5 Mar 2024 14:02:31 +0100',
        form: 'format-patch',
      },
    ]);
    expect(run.patches[0]!.commit).toBe('1d5429badb9534f5a0ab25d1ac355e3a323b11c0');
    expect(rows(run)).toEqual([
      'p0 xen/arch/x86/mm.c:30 old removed retype_frame call flush_tlb_mask(mask)',
      'p0 xen/arch/x86/mm.c:37 new added retype_frame call arch_flush_tlb_mask(mask)',
      'p0 xen/arch/x86/mm.c:39 new added retype_frame call flush_tlb_mask(mask)',
    ]);
    const pageTable = '(old & PGT_type_mask) && (old & PGT_type_mask) <= PGT_root_page_table';
    expect(find(run, 'xen/arch/x86/mm.c', 37, 'new', 'arch_flush_tlb_mask').guards).toEqual(['!cpumask_empty(mask)', pageTable]);
    expect(find(run, 'xen/arch/x86/mm.c', 39, 'new', 'flush_tlb_mask').guards).toEqual(['!cpumask_empty(mask)', `!(${pageTable})`]);
  });
});

describe('series', () => {
  it('several patches in one file: each kept apart, and a helper from patch 1 is a flush in patch 2', async () => {
    const run = await review(form('series.patch'));
    expect(run.patches.map((p) => [p.subject, p.series])).toEqual([
      ['[PATCH v2 1/3] x86: add flush_reused_mask()', { version: 2, number: 1, total: 3 }],
      ['[PATCH v2 2/3] xen/mm: flush reused pages with flush_reused_mask()', { version: 2, number: 2, total: 3 }],
      // A folded Subject: header.
      ['[PATCH v2 3/3] x86/mm: use flush_reused_mask() when a page table loses its type', { version: 2, number: 3, total: 3 }],
    ]);
    expect(run.patches.map((p) => p.date)).toEqual(['Wed, 6 Mar 2024 09:15:00 +0000', 'Wed, 6 Mar 2024 09:15:01 +0000', 'Wed, 6 Mar 2024 09:15:02 +0000']);
    expect(new Set(run.patches.map((p) => p.author))).toEqual(new Set(['Tomasz Kowalczyk <tomasz.kowalczyk@example.org>']));
    expect(rows(run)).toEqual([
      'p0 xen/arch/arm/include/asm/flushtlb.h:23 new unchanged - definition arch_flush_tlb_mask',
      'p0 xen/arch/arm/include/asm/flushtlb.h:24 new added - definition flush_reused_mask',
      'p0 xen/arch/x86/include/asm/flushtlb.h:43 new unchanged - definition arch_flush_tlb_mask',
      'p0 xen/arch/x86/include/asm/flushtlb.h:50 new added - definition flush_reused_mask',
      'p0 xen/arch/x86/include/asm/flushtlb.h:53 new unchanged - definition flush_tlb_one_mask',
      'p1 xen/include/xen/mm.h:54 new added filtered_flush_tlb_mask call flush_reused_mask(&mask)',
      'p1 xen/include/xen/mm.h:54 old removed filtered_flush_tlb_mask call flush_tlb_mask(&mask)',
      'p2 xen/arch/x86/mm.c:30 old removed retype_frame call flush_tlb_mask(mask)',
      'p2 xen/arch/x86/mm.c:32 new added retype_frame call flush_reused_mask(mask)',
      'p2 xen/arch/x86/mm.c:34 new added retype_frame call flush_tlb_mask(mask)',
    ]);
    const x86 = find(run, 'xen/arch/x86/include/asm/flushtlb.h', 50, 'new', 'flush_reused_mask');
    expect(x86.definition).toMatchObject({ form: 'function-macro', params: ['mask'], body: 'flush_mask(mask, FLUSH_TLB | FLUSH_NO_ASSIST)', conditions: [] });
    expect(x86.family).toBe('helper');
    expect(find(run, 'xen/include/xen/mm.h', 54, 'new', 'flush_reused_mask').family).toBe('helper');
  });

  it('several files: read in order, the helper of the first makes a site in the second', async () => {
    const dir = 'series-files';
    const first = form(`${dir}/0001-xen-mm-add-flush_reused_run.patch`);
    const second = form(`${dir}/0002-xen-memory-flush-the-filled-physmap-with-flush_reuse.patch`);
    const run = await review(first, second);
    expect(run.inputs.map((i) => [i.form, i.patches])).toEqual([
      ['format-patch', 1],
      ['format-patch', 1],
    ]);
    expect(run.patches.map((p) => [p.index, p.subject, p.series])).toEqual([
      [0, '[PATCH 1/2] xen/mm: add flush_reused_run()', { number: 1, total: 2 }],
      [1, '[PATCH 2/2] xen/memory: flush the filled physmap with flush_reused_run()', { number: 2, total: 2 }],
    ]);
    expect(rows(run)).toEqual([
      'p0 xen/include/xen/mm.h:42 new unchanged accumulate_tlbflush flag-use need_tlbflush',
      'p0 xen/include/xen/mm.h:50 new added flush_reused_run definition flush_reused_run',
      'p0 xen/include/xen/mm.h:53 new added flush_reused_run call arch_flush_tlb_mask(mask)',
      'p0 xen/include/xen/mm.h:55 new added flush_reused_run call flush_tlb_mask(mask)',
      'p0 xen/include/xen/mm.h:58 new unchanged filtered_flush_tlb_mask definition filtered_flush_tlb_mask',
      'p1 xen/common/memory.c:38 new unchanged fill_physmap flag-use need_tlbflush',
      'p1 xen/common/memory.c:39 old removed fill_physmap call filtered_flush_tlb_mask(tlbflush_timestamp)',
      'p1 xen/common/memory.c:44 new added fill_physmap call flush_reused_run(mask, true)',
    ]);
    expect(find(run, 'xen/include/xen/mm.h', 50, 'new', 'flush_reused_run').definition).toMatchObject({ form: 'inline-function', params: ['mask', 'was_pagetable'] });
    // The context shows only the head of filtered_flush_tlb_mask().
    expect(find(run, 'xen/include/xen/mm.h', 58, 'new', 'filtered_flush_tlb_mask').definition?.partial).toBe(true);

    // Alone, the second patch calls a name nothing has defined yet.
    const alone = await review(second);
    expect(rows(alone)).toEqual([
      'p0 xen/common/memory.c:38 new unchanged fill_physmap flag-use need_tlbflush',
      'p0 xen/common/memory.c:39 old removed fill_physmap call filtered_flush_tlb_mask(tlbflush_timestamp)',
    ]);
  });
});

describe('mail', () => {
  it('mbox with a cover letter and replies: two patches, quoted hunks are not patches', async () => {
    const run = await review(form('mbox-thread.mbox'));
    expect(run.inputs.map((i) => [i.form, i.patches])).toEqual([['mbox', 2]]);
    expect(meta(run)).toEqual([
      {
        subject: '[PATCH v3 1/2] xen/memory: defer the flush only when filling several runs',
        author: 'Hannah Lindqvist <hannah.lindqvist@example.org>',
        date: 'Fri,  8 Mar 2024 11:20:01 +0100',
        form: 'mbox',
      },
      {
        subject: '[PATCH v3 2/2] x86/p2m: flush guest TLBs, not host ones, after dropping the p2m',
        author: 'Hannah Lindqvist <hannah.lindqvist@example.org>',
        date: 'Fri,  8 Mar 2024 11:20:02 +0100',
        form: 'mbox',
      },
    ]);
    expect(run.patches.map((p) => p.messageId)).toEqual(['20240308102000.4121-2-hannah.lindqvist@example.org', '20240308102000.4121-3-hannah.lindqvist@example.org']);
    expect(rows(run)).toEqual([
      'p0 xen/common/memory.c:13 new unchanged fill_physmap flag-use need_tlbflush',
      'p0 xen/common/memory.c:15 old removed fill_physmap flag-use MEMF_no_tlbflush',
      'p0 xen/common/memory.c:16 new added fill_physmap flag-use MEMF_no_tlbflush',
      'p1 xen/arch/x86/mm/p2m.c:41 new added p2m_flush_all call guest_flush_tlb_mask(d, d->dirty_cpumask)',
      'p1 xen/arch/x86/mm/p2m.c:41 old removed p2m_flush_all call flush_tlb_mask(d->dirty_cpumask)',
    ]);
  });

  it('quoted-printable body and RFC 2047 From and Subject (folded, UTF-8)', async () => {
    const raw = readFileSync(form('quoted-printable.mbox'), 'utf8');
    expect(raw).toContain('Content-Transfer-Encoding: quoted-printable');
    expect(raw).toContain('=3D');
    const run = await review(form('quoted-printable.mbox'));
    expect(meta(run)).toEqual([
      {
        subject: '[PATCH] xen/memory: shorter names in fill_physmap() — no functional change',
        author: 'José Martínez <jose.martinez@example.org>',
        date: 'Wed, 13 Mar 2024 12:00:42 +0100',
        form: 'mbox',
      },
    ]);
    // Soft line breaks joined, =3D decoded: the calls parse with their arguments.
    expect(rows(run)).toEqual([
      'p0 xen/common/memory.c:13 new unchanged fill_physmap flag-use need_tlbflush',
      'p0 xen/common/memory.c:15 new unchanged fill_physmap flag-use MEMF_no_tlbflush',
      'p0 xen/common/memory.c:26 new added fill_physmap flag-use accumulate_tlbflush(&need_tlbflush, &pg[j], &flush_stamp)',
      'p0 xen/common/memory.c:26 new added fill_physmap flag-use need_tlbflush',
      'p0 xen/common/memory.c:26 old removed fill_physmap flag-use accumulate_tlbflush(&need_tlbflush, &pg[j], &tlbflush_timestamp)',
      'p0 xen/common/memory.c:26 old removed fill_physmap flag-use need_tlbflush',
      'p0 xen/common/memory.c:36 new unchanged fill_physmap flag-use need_tlbflush',
      'p0 xen/common/memory.c:37 new added fill_physmap call filtered_flush_tlb_mask(flush_stamp)',
      'p0 xen/common/memory.c:39 old removed fill_physmap call filtered_flush_tlb_mask(tlbflush_timestamp)',
    ]);
  });

  it('.eml with the patch as a base64 attachment and ISO-8859-1 / base64 encoded words', async () => {
    const run = await review(form('attachment.eml'));
    // The message's own headers, not the attached format-patch's.
    expect(meta(run)).toEqual([
      {
        subject: '[PATCH] x86/mm: skip the flush when unmap_guest_range() cleared nothing',
        author: 'Søren Holm <soren.holm@example.org>',
        date: 'Thu, 14 Mar 2024 08:06:01 +0100',
        form: 'format-patch',
      },
    ]);
    // git named the hunk after the `out:` label: no function without the tree.
    expect(rows(run)).toEqual(['p0 xen/arch/x86/mm.c:57 old removed - call flush_tlb_mask(d->dirty_cpumask)', 'p0 xen/arch/x86/mm.c:59 new added - call flush_tlb_mask(d->dirty_cpumask)']);
  });

  it('.eml with the patch attached as application/octet-stream (base64, named *.patch) after a quoted-printable cover', async () => {
    const run = await review(form('octet-stream.eml'));
    expect(meta(run)).toEqual([
      { subject: '[PATCH] x86/shadow: flush after dropping the paging lock', author: 'Adà Reviewer <ada@example.org>', date: 'Tue, 01 Dec 2026 14:02:11 +0100', form: 'format-patch' },
    ]);
    expect(rows(run)).toEqual([
      'p0 xen/arch/x86/mm/shadow-flush.c:24 old removed sh_drop_writable call flush_tlb_mask(d->dirty_cpumask)',
      'p0 xen/arch/x86/mm/shadow-flush.c:30 new added sh_drop_writable call flush_tlb_mask(d->dirty_cpumask)',
    ]);
  });

  it('.eml with an unnamed quoted-printable application/octet-stream diff (found by its text) beside an image attachment', async () => {
    const run = await review(form('octet-stream-qp.eml'));
    expect(run.patches).toHaveLength(1);
    expect(rows(run)).toEqual([
      'p0 xen/arch/x86/mm/shadow-flush.c:24 old removed sh_drop_writable call flush_tlb_mask(d->dirty_cpumask)',
      'p0 xen/arch/x86/mm/shadow-flush.c:30 new added sh_drop_writable call flush_tlb_mask(d->dirty_cpumask)',
    ]);
    // Quoted-printable soft breaks joined: the hunk is whole (a cut one would be an input error).
    expect(run.errors).toEqual([]);
  });

  it('mailing-list web page: posts, not quoted hunks; the cover letter has no diff', async () => {
    const run = await review(form('web-thread.txt'));
    expect(run.inputs.map((i) => [i.form, i.patches])).toEqual([['web-thread', 2]]);
    expect(meta(run)).toEqual([
      { subject: '[PATCH v2 1/2] x86/shadow: flush after dropping the paging lock in sh_unshadow_written_page()', author: 'Oskar Brandt', date: '5 days ago', form: 'web-thread' },
      { subject: '[PATCH v2 2/2] x86/shadow: flush only guest TLBs when recycling shadow pages', author: 'Oskar Brandt', date: '5 days ago', form: 'web-thread' },
    ]);
    expect(rows(run)).toEqual([
      'p0 xen/arch/x86/mm/shadow/common.c:27 old removed sh_unshadow_written_page call flush_tlb_mask(d->dirty_cpumask)',
      'p0 xen/arch/x86/mm/shadow/common.c:33 new added sh_unshadow_written_page call flush_tlb_mask(d->dirty_cpumask)',
      'p1 xen/arch/x86/mm/shadow/common.c:50 old removed sh_make_room call flush_tlb_mask(d->dirty_cpumask)',
      'p1 xen/arch/x86/mm/shadow/common.c:51 new added sh_make_room call guest_flush_tlb_mask(d, d->dirty_cpumask)',
    ]);
    expect(find(run, 'xen/arch/x86/mm/shadow/common.c', 27, 'old', 'flush_tlb_mask').guards).toEqual(['sh_remove_all_shadows(d, gmfn)']);
    expect(find(run, 'xen/arch/x86/mm/shadow/common.c', 33, 'new', 'flush_tlb_mask').guards).toEqual(['flush']);
  });
});

describe('line endings and odd entries', () => {
  it('CRLF: the same sites as LF, from a file or from standard input', async () => {
    const bytes = readFileSync(form('crlf.patch'));
    // Guard against a checkout that normalised the fixture (see fixtures/forms/.gitattributes).
    expect(bytes.toString('latin1')).toContain('\r\n');
    const expected = [
      'p0 xen/common/grant_table.c:25 new added gnttab_flush_unmaps call flush_tlb_one_mask(ld->dirty_cpumask, unmaps[0].va)',
      'p0 xen/common/grant_table.c:25 old removed gnttab_flush_unmaps call flush_tlb_one_mask(ld->dirty_cpumask, unmaps[i].va)',
      'p0 xen/common/grant_table.c:27 new added gnttab_flush_unmaps call flush_tlb_mask(ld->dirty_cpumask)',
    ];
    const run = await review(form('crlf.patch'));
    expect(meta(run)).toEqual([
      { subject: '[PATCH] xen/gnttab: one flush per unmap batch', author: 'Daniel Okafor <daniel.okafor@example.org>', date: 'Tue, 12 Mar 2024 17:45:09 -0500', form: 'format-patch' },
    ]);
    expect(rows(run)).toEqual(expected);
    expect(run.sites.every((s) => !s.text.includes('\r') && (s.args ?? []).every((a) => !a.includes('\r')))).toBe(true);
    const piped = await runCli(['review', '--format', 'json', '-'], { stdin: bytes });
    expect(rows(JSON.parse(piped.stdout) as RunResult)).toEqual(expected);
  });

  it('"\\ No newline at end of file" on either side, mid-hunk', async () => {
    const run = await review(form('no-newline.diff'));
    expect(rows(run)).toEqual([
      'p0 xen/arch/arm/include/asm/flushtlb.h:23 new unchanged - definition arch_flush_tlb_mask',
      'p0 xen/arch/arm/include/asm/flushtlb.h:26 new added - definition flush_reused_mask',
      'p0 xen/common/grant_table.c:40 new added gnttab_unmap_batch call flush_tlb_mask(ld->dirty_cpumask)',
    ]);
    const hunks = filesOf('no-newline.diff')[0]!;
    expect(hunks.map((f) => f.status)).toEqual(['modified', 'modified']);
    // The marker is not a line of either image.
    const text = decodeInput('x', readFileSync(form('no-newline.diff')));
    const read = text.ok ? readPatches('x', text.value, 0) : undefined;
    const lines = read?.ok ? read.value.patches[0]!.files.flatMap((f) => f.hunks.flatMap((h) => h.lines.map((l) => l.text))) : [];
    expect(lines.some((l) => l.includes('No newline'))).toBe(false);
    expect(read?.ok && read.value.patches[0]!.files[1]!.hunks[0]!.lines.at(-1)).toEqual({ change: 'added', newLine: 43, text: '}' });
  });

  it('renames, copies, new and deleted files with sites; mode-only, pure renames and binaries noted', async () => {
    const run = await review(form('extended-headers.diff'));
    expect(rows(run)).toEqual([
      'p0 xen/arch/riscv/include/asm/flushtlb.h:20 new unchanged - definition flush_tlb_mask',
      'p0 xen/arch/riscv/include/asm/flushtlb.h:23 new unchanged - definition arch_flush_tlb_mask',
      'p0 xen/arch/x86/flush-stats.c:13 new added counted_flush_tlb_mask call flush_tlb_mask(mask)',
      'p0 xen/arch/x86/mm/p2m-range.c:31 new added p2m_retype_range call guest_flush_tlb_mask(d, d->dirty_cpumask)',
      'p0 xen/arch/x86/tlb-legacy.c:9 old removed legacy_flush_all_cpus call flush_tlb_all()',
    ]);
    expect(filesOf('extended-headers.diff')[0]!.map((f) => [f.oldPath, f.newPath, f.status, f.notes])).toEqual([
      ['docs/figs/flush-paths.png', 'docs/figs/flush-paths.png', 'binary', ['GIT binary patch']],
      [
        'xen/arch/arm/include/asm/flushtlb.h',
        'xen/arch/riscv/include/asm/flushtlb.h',
        'copied',
        ['similarity index 68%', 'copy from xen/arch/arm/include/asm/flushtlb.h', 'copy to xen/arch/riscv/include/asm/flushtlb.h'],
      ],
      [null, 'xen/arch/x86/flush-stats.c', 'added', ['new file mode 100644']],
      ['xen/arch/x86/mm/p2m.c', 'xen/arch/x86/mm/p2m-range.c', 'renamed', ['similarity index 94%', 'rename from xen/arch/x86/mm/p2m.c', 'rename to xen/arch/x86/mm/p2m-range.c']],
      ['xen/arch/x86/tlb-legacy.c', null, 'deleted', ['deleted file mode 100644']],
      ['xen/common/grant_table.c', 'xen/common/grant-table.c', 'renamed', ['similarity index 100%', 'rename from xen/common/grant_table.c', 'rename to xen/common/grant-table.c']],
      ['xen/tools/count-flushes.sh', 'xen/tools/count-flushes.sh', 'mode-only', ['old mode 100644', 'new mode 100755']],
    ]);
  });
});

describe('--tree DIR', () => {
  const tree = form('tree-context.tree');
  const patch = form('tree-context.diff');

  it('without the tree a hunk whose header names no function has none', async () => {
    const run = await review(patch);
    expect(run.sites.map((s) => s.function)).toEqual([null, null, null, null, null]);
  });

  it('with the tree each site gets its real enclosing function, same lines and guards', async () => {
    const run = await review('--tree', tree, patch);
    expect(run.settings.tree).toBe(tree);
    expect(rows(run)).toEqual([
      'p0 xen/arch/x86/mm.c:30 old removed retype_frame call flush_tlb_mask(mask)',
      'p0 xen/arch/x86/mm.c:33 new added retype_frame call arch_flush_tlb_mask(mask)',
      'p0 xen/arch/x86/mm.c:36 new added retype_frame call flush_tlb_mask(mask)',
      'p0 xen/arch/x86/mm.c:57 old removed unmap_guest_range call flush_tlb_mask(d->dirty_cpumask)',
      'p0 xen/arch/x86/mm.c:65 new added unmap_guest_range call flush_tlb_mask(d->dirty_cpumask)',
    ]);
    expect(find(run, 'xen/arch/x86/mm.c', 65, 'new', 'flush_tlb_mask').guards).toEqual(['i']);
    // Sites the patch does not touch stay out: p2m.c's flush is in the tree only.
    expect(run.sites.some((s) => s.file !== 'xen/arch/x86/mm.c')).toBe(false);
  });

  it('the tree also names the function of a hunk git headed with a label', async () => {
    const run = await review('--tree', tree, form('attachment.eml'));
    expect(rows(run)).toEqual([
      'p0 xen/arch/x86/mm.c:57 old removed unmap_guest_range call flush_tlb_mask(d->dirty_cpumask)',
      'p0 xen/arch/x86/mm.c:59 new added unmap_guest_range call flush_tlb_mask(d->dirty_cpumask)',
    ]);
  });
});
