import { describe, expect, it } from 'vitest';
import { readPatches } from '../../src/parser/read-input.js';
import { builtinFamily, callsTheStagesRead, collectAll, imagesOf } from '../../src/sites/find-sites.js';
import { parsePatchImages } from '../../src/sites/patch-images.js';
import type { Collected, ParsedImage } from '../../src/types.js';

// A patch of ours: a helper it defines whole, a hunk inside that helper, a hunk in a function it
// does not define, one that takes the flush out of such a function, and a file-scope macro invocation
// (each hunk names a flush: others are not parsed).
const PATCH = [
  'diff --git a/xen/common/pruned.c b/xen/common/pruned.c',
  '--- a/xen/common/pruned.c',
  '+++ b/xen/common/pruned.c',
  '@@ -10,2 +10,8 @@',
  ' #include <xen/sched.h>',
  '+static void defined_helper(struct domain *d)',
  '+{',
  '+    spin_lock(&d->lock);',
  '+    flush_tlb_mask(d->dirty_cpumask);',
  '+    spin_unlock(&d->lock);',
  '+}',
  ' ',
  '@@ -40,3 +46,3 @@ static void defined_helper(struct domain *d)',
  '     prepare(d);',
  '-    finish_old(d);',
  '+    finish_new(d);',
  '     flush_tlb_mask(d->dirty_cpumask);',
  '@@ -80,3 +86,3 @@ static void elsewhere(struct domain *d)',
  '     spin_lock(&d->lock);',
  '-    flush_tlb_mask(d->dirty_cpumask);',
  '+    flush_mask(d->dirty_cpumask, FLUSH_TLB);',
  '     spin_unlock(&d->lock);',
  '@@ -100,3 +106,3 @@ static void unflushed(struct domain *d)',
  '     spin_lock(&d->lock);',
  '-    flush_tlb_mask(d->dirty_cpumask);',
  '+    /* No flush_tlb_mask() here any more: the caller flushes. */',
  '     spin_unlock(&d->lock);',
  '@@ -120,1 +126,1 @@',
  '-DEFINE_FLUSHER(old_one, flush_tlb_mask);',
  '+DEFINE_FLUSHER(new_one, flush_tlb_mask);',
  '',
].join('\n');

function collected(): Collected[] {
  const read = readPatches('pruned.diff', PATCH, 0);
  if (!read.ok) throw new Error(read.error.message);
  const out: Collected[] = [];
  for (const _ of parsePatchImages(read.value.patches[0]!, undefined, builtinFamily(), (images) => out.push(...collectAll(images))));
  return out;
}

const names = (records: readonly Collected[]): string[] => records.flatMap((c) => c.calls.map((call) => `${call.image.side}:${call.enclosing ?? '(file)'}:${call.name}`)).sort();
const imageKey = (i: ParsedImage): string => `${i.side}:${i.rows.find((r) => r.change !== 'synthetic')?.fileLine}`;

describe('callsTheStagesRead', () => {
  it('drops the calls no stage reads, and only those', () => {
    const all = collected();
    const kept = names(callsTheStagesRead(all, builtinFamily()));
    const dropped = names(all).filter((n) => !kept.includes(n));
    // A function the patch does not define, and a call that is not a flush: no stage asks for it.
    expect(dropped).toEqual([
      'new:elsewhere:spin_lock',
      'new:elsewhere:spin_unlock',
      'new:unflushed:spin_lock',
      'new:unflushed:spin_unlock',
      'old:elsewhere:spin_lock',
      'old:elsewhere:spin_unlock',
      'old:unflushed:spin_lock',
      'old:unflushed:spin_unlock',
    ]);
    // The helper's body (its own hunk and a hunk placed in it), flushes anywhere, and file scope stay.
    expect(kept).toEqual(
      expect.arrayContaining([
        'new:defined_helper:spin_lock',
        'new:defined_helper:finish_new',
        'old:defined_helper:finish_old',
        'new:elsewhere:flush_mask',
        'old:elsewhere:flush_tlb_mask',
        'new:(file):DEFINE_FLUSHER',
        'old:(file):DEFINE_FLUSHER',
      ]),
    );
  });

  it('may leave an image with no record: the images are named apart (PatchAnalysis.images)', () => {
    const all = collected();
    const pruned = callsTheStagesRead(all, builtinFamily());
    // The new side of `unflushed` holds nothing a stage reads, yet classify sees its function.
    expect(imagesOf(all).map(imageKey)).toContain('new:106');
    expect(imagesOf(pruned).map(imageKey)).not.toContain('new:106');
    // Each image's record stays in its place, with its definitions and uses.
    expect(pruned).toHaveLength(all.length);
    expect(pruned.map((c, i) => c.definitions === all[i]!.definitions && c.uses === all[i]!.uses)).not.toContain(false);
  });
});
