import { describe, expect, it } from 'vitest';
import type { Patch } from '../../src/types.js';
import { annotationsOfText, caseAnnotations } from '../../src/testing/annotations.js';
import { readPatches } from '../../src/parser/read-input.js';

const BOTH = ['old', 'new'] as const;
const of = (text: string) => annotationsOfText('xen/common/t.c', text, [...BOTH]).map((a) => `${a.kind} ${a.rule} ${a.line} (comment at ${a.at})`);

describe('inline annotations', () => {
  it('speak about the next code line, skipping blank and comment lines', () => {
    const c = [
      'static void f(cpumask_t *mask)', // 1
      '{', // 2
      '    /* ruleid: FC001 */', // 3
      '    /* ok: FC002 */', // 4
      '', // 5
      '    flush_tlb_mask(mask);', // 6
      '    /*', // 7
      '     * todoruleid: FC001', // 8
      '     */', // 9
      '    flush_tlb_all();', // 10
      '    // todook: FC002', // 11
      '    arch_flush_tlb_mask(mask);', // 12
      '}',
    ].join('\n');
    expect(of(c)).toEqual([
      'ruleid FC001 6 (comment at xen/common/t.c:3)',
      'ok FC002 6 (comment at xen/common/t.c:4)',
      'todoruleid FC001 10 (comment at xen/common/t.c:7)',
      'todook FC002 12 (comment at xen/common/t.c:11)',
    ]);
  });

  it('after code, speak about their own line; several rules, and a reason after them', () => {
    const c = ['void f(void)', '{', '    flush_tlb_mask(m); /* ok: FC001, FC002 shadow code needs no IPI */', '}'].join('\n');
    expect(of(c)).toEqual(['ok FC001 3 (comment at xen/common/t.c:3)', 'ok FC002 3 (comment at xen/common/t.c:3)']);
  });

  it('are read from comment nodes only, never from strings or ordinary prose', () => {
    const c = [
      'void f(void)',
      '{',
      '    printk("/* ruleid: FC001 */\\n");',
      '    flush_tlb_mask(m);',
      '    /* ruleid FC001: no colon where it belongs */',
      '    flush_tlb_mask(m);',
      '}',
      '/* ok: FC001 */',
    ].join('\n');
    // The last comment has no code after it: it names nothing.
    expect(of(c)).toEqual([]);
  });

  it('in a patch, come from the post-image: added and context lines, never removed ones', () => {
    const patch = [
      'diff --git a/xen/common/memory.c b/xen/common/memory.c',
      '--- a/xen/common/memory.c',
      '+++ b/xen/common/memory.c',
      '@@ -278,6 +278,8 @@ static void populate_physmap(struct memop_args *a)',
      ' out:',
      '     if ( need_tlbflush )',
      '-        /* ok: FC001 */',
      '-        filtered_flush_tlb_mask(tlbflush_timestamp);',
      '+        /* ruleid: FC001 */',
      '+        filtered_flush_tlb_mask(tlbflush_timestamp, false);',
      '+    /* todook: FC002 */',
      '+    flush_tlb_all();',
      ' ',
      '     if ( a->memflags & MEMF_no_icache_flush )',
    ].join('\n');
    const read = readPatches('p.diff', patch, 0);
    expect(read.ok).toBe(true);
    const patches: Patch[] = read.ok ? read.value.patches : [];
    expect(caseAnnotations(patches, undefined).map((a) => [a.kind, a.rule, a.file, a.line, a.sides, a.patch])).toEqual([
      ['ruleid', 'FC001', 'xen/common/memory.c', 281, ['new'], 0],
      ['todook', 'FC002', 'xen/common/memory.c', 283, ['new'], 0],
    ]);
  });
});
