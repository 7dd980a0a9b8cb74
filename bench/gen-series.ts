/**
 * Generates a large patch series in Xen's style (format-patch messages in one
 * mbox), deterministic for a given size. Every fourth patch touches a flush.
 */
export function* seriesChunks(targetBytes: number): Generator<string> {
  let written = 0;
  for (let n = 1; written < targetBytes; n++) {
    const fn = `pv_op_${n}`;
    const flush = n % 4 === 0;
    const body = [
      `     struct page_info *pg = mfn_to_page(mfn);`,
      `     unsigned long x, nx;`,
      ` `,
      flush ? `-    flush_tlb_mask(d->dirty_cpumask);` : `-    rc = do_thing_${n}(d, pg);`,
      flush ? `+    flush_mask(d->dirty_cpumask, FLUSH_TLB | FLUSH_NO_ASSIST);` : `+    rc = do_thing_${n}(d, pg, 0);`,
      `     if ( rc )`,
      `         goto out;`,
      ` `,
    ];
    const patch = [
      `From ${n.toString(16).padStart(40, '0')} Mon Sep 17 00:00:00 2001`,
      `From: Generated Author <gen${n % 17}@example.org>`,
      `Date: Mon, 2 Nov 2026 10:00:00 +0000`,
      `Subject: [PATCH ${n}/999999] x86/mm: adjust ${fn}`,
      ``,
      `Adjust ${fn} for the generated benchmark series.`,
      ``,
      `---`,
      ` xen/arch/x86/gen${n % 50}.c | 2 +-`,
      ``,
      `diff --git a/xen/arch/x86/gen${n % 50}.c b/xen/arch/x86/gen${n % 50}.c`,
      `index 1111111..2222222 100644`,
      `--- a/xen/arch/x86/gen${n % 50}.c`,
      `+++ b/xen/arch/x86/gen${n % 50}.c`,
      `@@ -${100 + (n % 900)},7 +${100 + (n % 900)},7 @@ static int ${fn}(struct domain *d, mfn_t mfn)`,
      ...body,
      `-- `,
      `2.43.0`,
      ``,
      ``,
    ].join('\n');
    written += patch.length;
    yield patch;
  }
}

export function generateSeries(targetBytes: number): string {
  return [...seriesChunks(targetBytes)].join('');
}
