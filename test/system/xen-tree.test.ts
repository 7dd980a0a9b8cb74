import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunResult, Site } from '../../src/types.js';
import { runCli } from '../helpers/cli.js';
import { xenTree } from '../helpers/xen.js';

/*
 * The real Xen 4.17 tree (fetched once from Debian into a cache outside the
 * repo): the model must come from its headers, not from the built-in one.
 * The patches are written here; the one that edits a Xen line reads that
 * line from the cached tree at test time, so no Xen text is in the repo.
 */

let tree: string;
let dir: string;

beforeAll(() => {
  tree = xenTree();
  dir = mkdtempSync(join(tmpdir(), 'flushcheck-xen-'));
});

async function review(patch: string, extra: string[] = []): Promise<RunResult> {
  const file = join(dir, `p${Math.random().toString(36).slice(2)}.patch`);
  writeFileSync(file, patch);
  const run = await runCli(['review', file, '--tree', tree, '--format', 'json', '--fail-on', 'never', ...extra]);
  expect(run.stderr).toBe('');
  return JSON.parse(run.stdout) as RunResult;
}

/** A new common file of ours that calls the flush helper common code uses. */
const NEW_CALLER = [
  'diff --git a/xen/common/flushcheck-demo.c b/xen/common/flushcheck-demo.c',
  'new file mode 100644',
  '--- /dev/null',
  '+++ b/xen/common/flushcheck-demo.c',
  '@@ -0,0 +1,7 @@',
  '+#include <xen/mm.h>',
  '+',
  '+void demo_unmap_all(struct domain *d)',
  '+{',
  '+    /* Written for flushcheck’s tests. */',
  '+    arch_flush_tlb_mask(d->dirty_cpumask);',
  '+}',
  '',
].join('\n');

const call = (run: RunResult, api: string): Site => {
  const site = run.sites.find((s) => s.kind === 'call' && s.api === api && s.change === 'added');
  if (!site) throw new Error(`no added call of ${api}`);
  return site;
};

describe('Xen 4.17 as --tree', () => {
  it('arch_flush_tlb_mask forces an IPI on x86, read from its flushtlb.h', async () => {
    const run = await review(NEW_CALLER);
    const x86 = call(run, 'arch_flush_tlb_mask').arch!.x86!;
    expect(x86.mechanism).toBe('forced-ipi');
    expect(x86.source).toBe('xen/arch/x86/include/asm/flushtlb.h:169');
    expect(x86.expansion?.[0]).toBe('arch_flush_tlb_mask(d->dirty_cpumask) → flush_mask(d->dirty_cpumask, FLUSH_TLB | FLUSH_NO_ASSIST)  [xen/arch/x86/include/asm/flushtlb.h:169]');
    expect(x86.notes?.[0]).toMatch(/^assisted path: read from flush_area_mask at xen\/arch\/x86\/smp\.c:\d+ \(taken only when cpu_has_hypervisor && /);
    expect(run.settings.assistedModel).toMatch(/^flush_area_mask at xen\/arch\/x86\/smp\.c:\d+$/);
  });

  it('arch_flush_tlb_mask is a broadcast on Arm, read from the tree', async () => {
    const run = await review(NEW_CALLER);
    const arm = call(run, 'arch_flush_tlb_mask').arch!.arm!;
    expect(arm.mechanism).toBe('broadcast');
    expect(arm.source).toMatch(/^xen\/arch\/arm\/include\/asm\/arm64\/flushtlb\.h:\d+$/);
    expect(arm.expansion).toEqual(['arch_flush_tlb_mask(d->dirty_cpumask) → flush_all_guests_tlb()  [xen/arch/arm/smp.c:8]']);
    expect(JSON.stringify(arm)).not.toContain('built-in');
    // 4.17's two-argument TLB_HELPER: the DSB ISH completes the TLBI, and its ALTERNATIVE repeats it for the erratum.
    expect(arm.notes?.[0]).toMatch(/the DSB ISH after it waits until every CPU of the inner-shareable domain has completed the invalidation/);
    expect(arm.notes?.[0]).toMatch(/repeat-TLBI erratum \(ARM64_WORKAROUND_REPEAT_TLBI\)/);
  });

  it('guest_flush_tlb_mask forces an IPI only when its flags include the ASID flush', async () => {
    const patch = NEW_CALLER.replace('arch_flush_tlb_mask(d->dirty_cpumask);', 'guest_flush_tlb_mask(d, d->dirty_cpumask);');
    const run = await review(patch);
    const x86 = call(run, 'guest_flush_tlb_mask').arch!.x86!;
    expect(x86.mechanism).toBe('conditional');
    expect(x86.condition).toBe('is_hvm_domain(d) && (cpu_has_svm || paging_mode_shadow(d))');
    expect(x86.source).toMatch(/^xen\/arch\/x86\/flushtlb\.c:\d+$/);
  });

  it('in a HAP-only build the tree’s FLUSH_NO_ASSIST is 0', async () => {
    const run = await review(NEW_CALLER, ['--config', 'CONFIG_PV=n,CONFIG_SHADOW_PAGING=n']);
    const x86 = call(run, 'arch_flush_tlb_mask').arch!.x86!;
    expect(x86.mechanism).toBe('assisted-possible');
    expect(x86.notes?.join('\n')).toMatch(
      /FLUSH_NO_ASSIST is 0 in this build \(#if defined\(CONFIG_PV\) \|\| defined\(CONFIG_SHADOW_PAGING\) does not hold, xen\/arch\/x86\/include\/asm\/flushtlb\.h:\d+\): forcing is a no-op/,
    );
  });

  // Parses every tree file that mentions the changed names (about 25 s alone); no timing is asserted.
  it('a change to arch_flush_tlb_mask lists every untouched caller with old and new mechanism', async () => {
    const header = 'xen/arch/x86/include/asm/flushtlb.h';
    const lines = readFileSync(join(tree, header), 'utf8').split('\n');
    const at = lines.findIndex((l) => l.startsWith('#define arch_flush_tlb_mask('));
    expect(at).toBeGreaterThan(0);
    const patch = [
      `diff --git a/${header} b/${header}`,
      `--- a/${header}`,
      `+++ b/${header}`,
      `@@ -${at + 1},1 +${at + 1},1 @@`,
      `-${lines[at]}`,
      '+#define arch_flush_tlb_mask(mask) flush_mask(mask, FLUSH_TLB)',
      '',
    ].join('\n');
    const run = await review(patch);
    const listed = run.sites.filter((s) => s.change === 'tree');
    const where = listed.map((s) => `${s.file}:${s.function}:${s.api}`).sort();
    expect(where).toEqual([
      'xen/common/grant_table.c:gnttab_flush_tlb:arch_flush_tlb_mask',
      'xen/common/memory.c:populate_physmap:filtered_flush_tlb_mask',
      'xen/common/page_alloc.c:alloc_heap_pages:filtered_flush_tlb_mask',
      'xen/common/page_alloc.c:prepare_staticmem_pages:filtered_flush_tlb_mask',
      'xen/include/xen/mm.h:filtered_flush_tlb_mask:arch_flush_tlb_mask',
    ]);
    for (const s of listed) {
      expect(s.arch?.x86?.previous?.mechanism).toBe('forced-ipi');
      expect(s.arch?.x86?.mechanism).toBe('assisted-possible');
      expect(s.arch?.arm?.mechanism).toBe('broadcast');
    }
  }, 240_000);
});
