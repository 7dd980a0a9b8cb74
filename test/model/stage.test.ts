import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Arch, ArchResult, RunResult, Site } from '../../src/types.js';
import { STAGES } from '../../src/pipeline/index.js';
import { modelStage } from '../../src/model/index.js';
import { fixture, runCli, SAMPLE } from '../helpers/cli.js';

async function review(args: string[], stdin?: string): Promise<RunResult> {
  const run = await runCli(['review', ...args, '--format', 'json', '--fail-on', 'never'], stdin === undefined ? {} : { stdin });
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as RunResult;
}

const calls = (run: RunResult, api: string, side: 'new' | 'old' = 'new'): Site[] => run.sites.filter((s) => s.kind === 'call' && s.api === api && s.side === side);
const model = (site: Site | undefined, arch: Arch): ArchResult => {
  const m = site?.arch?.[arch];
  if (!m) throw new Error(`no ${arch} model on ${site?.id}`);
  return m;
};

/** A one-hunk patch adding a line inside a function, written for these tests. */
function patchAdding(file: string, fn: string, added: string[]): string {
  return [
    `diff --git a/${file} b/${file}`,
    `--- a/${file}`,
    `+++ b/${file}`,
    `@@ -100,3 +100,${3 + added.length} @@ static void ${fn}(struct domain *d)`,
    '     unsigned int x = d->flags;',
    ...added.map((l) => `+${l}`),
    ' ',
    '     return;',
    ' }',
    '',
  ].join('\n');
}

describe('model stage', () => {
  it('is the first stage', () => {
    expect(STAGES[0]).toBe(modelStage);
  });
});

describe('the sync-parameter thread, default configuration', () => {
  const seed = review([SAMPLE]);

  it('x86: flush_tlb_mask_ipi forces the IPI, flush_tlb_mask may be assisted', async () => {
    const run = await seed;
    for (const site of calls(run, 'flush_tlb_mask_ipi')) {
      expect(model(site, 'x86').mechanism).toBe('forced-ipi');
      expect(model(site, 'x86').source).toBe('patch:xen/include/asm-x86/flushtlb.h:145');
    }
    for (const site of calls(run, 'flush_tlb_mask')) expect(model(site, 'x86').mechanism).toBe('assisted-possible');
    expect(calls(run, 'flush_tlb_mask_ipi').length).toBe(2);
  });

  it('x86: filtered_flush_tlb_mask is modelled per argument', async () => {
    const run = await seed;
    const byArg = Object.fromEntries(calls(run, 'filtered_flush_tlb_mask').map((s) => [s.args?.[1], model(s, 'x86')]));
    expect(byArg.true?.mechanism).toBe('forced-ipi');
    expect(byArg.false?.mechanism).toBe('assisted-possible');
    expect(byArg.true?.expansion?.[0]).toBe('filtered_flush_tlb_mask(tlbflush_timestamp, true) → flush_tlb_mask_ipi(&mask) if !cpumask_empty(&mask)  [patch:xen/include/xen/mm.h:635]');
  });

  it('Arm: every flush is a broadcast, and flush_tlb_mask_ipi is an alias there', async () => {
    const run = await seed;
    const all = run.sites.filter((s) => s.kind === 'call' && s.side === 'new');
    expect(all.length).toBe(6);
    for (const site of all) expect(model(site, 'arm').mechanism).toBe('broadcast');
    for (const site of calls(run, 'flush_tlb_mask_ipi')) {
      expect(model(site, 'arm').notes).toContain('flush_tlb_mask_ipi is an alias of flush_tlb_mask on arm (patch:xen/include/asm-arm/flushtlb.h:29)');
    }
    const sync = calls(run, 'filtered_flush_tlb_mask').find((s) => s.args?.[1] === 'true');
    expect(model(sync, 'arm').notes?.join('\n')).toContain('flush_tlb_mask_ipi is an alias of flush_tlb_mask on arm');
    expect(model(sync, 'arm').notes?.join('\n')).toContain('on arm there is nothing to force');
  });

  it('models the removed calls against the old image', async () => {
    const run = await seed;
    const old = calls(run, 'filtered_flush_tlb_mask', 'old');
    expect(old.length).toBe(2);
    for (const site of old) expect(model(site, 'x86').mechanism).toBe('assisted-possible');
  });

  it('says the assisted path is the built-in model when no tree is given', async () => {
    const run = await seed;
    expect(run.settings.assistedModel).toBe('built-in');
    expect(model(calls(run, 'flush_tlb_mask')[0], 'x86').notes?.[0]).toMatch(/^assisted path: read from the built-in model of flush_area_mask/);
  });

  it('a HAP-only build makes the forcing flag 0 and says so', async () => {
    const run = await review([SAMPLE, '--config', 'CONFIG_PV=n,CONFIG_SHADOW_PAGING=n']);
    for (const site of calls(run, 'flush_tlb_mask_ipi')) {
      const m = model(site, 'x86');
      expect(m.mechanism).toBe('assisted-possible');
      expect(m.notes?.join('\n')).toContain(
        'FLUSH_FORCE_IPI is 0 in this build (#if defined(CONFIG_PV) || defined(CONFIG_SHADOW_PAGING) does not hold, patch:xen/include/asm-x86/flushtlb.h:124): forcing is a no-op',
      );
    }
  });

  it('gives the same bytes every run', async () => {
    const a = await runCli(['review', SAMPLE, '--format', 'json']);
    const b = await runCli(['review', SAMPLE, '--format', 'json']);
    expect(a.stdout).toBe(b.stdout);
  });
});

describe('conditional flags at the call', () => {
  it.each(['FLUSH_NO_ASSIST', 'FLUSH_FORCE_IPI'])('flush_mask(mask, cond ? FLUSH_TLB | %s : FLUSH_TLB) is conditional on cond', async (flag) => {
    const patch = patchAdding('xen/arch/x86/mm.c', 'retype', [`    flush_mask(mask, (x & PGT_type_mask) <= PGT_root_page_table ? FLUSH_TLB | ${flag} : FLUSH_TLB);`]);
    const run = await review(['-'], patch);
    const m = model(calls(run, 'flush_mask')[0], 'x86');
    expect(m.mechanism).toBe('conditional');
    expect(m.condition).toBe('(x & PGT_type_mask) <= PGT_root_page_table');
    expect(m.source).toBe('patch:xen/arch/x86/mm.c:101');
  });
});

describe('definitions across a series and ports', () => {
  it('a helper defined by patch 1 is read when patch 2 calls it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flushcheck-model-'));
    const one = [
      'diff --git a/xen/arch/x86/include/asm/flushtlb.h b/xen/arch/x86/include/asm/flushtlb.h',
      '--- a/xen/arch/x86/include/asm/flushtlb.h',
      '+++ b/xen/arch/x86/include/asm/flushtlb.h',
      '@@ -170,2 +170,4 @@',
      ' #define flush_tlb_mask(mask) flush_mask(mask, FLUSH_TLB)',
      ' ',
      '+#define flush_tlb_mask_ipi(mask) flush_mask(mask, FLUSH_TLB | FLUSH_NO_ASSIST)',
      '+',
      '',
    ].join('\n');
    writeFileSync(join(dir, '1.patch'), one);
    writeFileSync(join(dir, '2.patch'), patchAdding('xen/common/memory.c', 'populate', ['    flush_tlb_mask_ipi(d->dirty_cpumask);']));
    const run = await review([join(dir, '1.patch'), join(dir, '2.patch')]);
    const site = calls(run, 'flush_tlb_mask_ipi')[0];
    expect(site?.patch).toBe(1);
    expect(model(site, 'x86').mechanism).toBe('forced-ipi');
    expect(model(site, 'x86').source).toBe('patch:xen/arch/x86/include/asm/flushtlb.h:172');
    // Arm has no such helper: the model does not invent one.
    expect(model(site, 'arm').mechanism).toBe('unknown');
  });

  it('models RISC-V when the patch shows its headers', async () => {
    const patch = [
      'diff --git a/xen/arch/riscv/include/asm/flushtlb.h b/xen/arch/riscv/include/asm/flushtlb.h',
      '--- a/xen/arch/riscv/include/asm/flushtlb.h',
      '+++ b/xen/arch/riscv/include/asm/flushtlb.h',
      '@@ -20,3 +20,6 @@',
      ' ',
      '-void arch_flush_tlb_mask(const cpumask_t *mask);',
      '+static inline void arch_flush_tlb_mask(const cpumask_t *mask)',
      '+{',
      '+    sbi_remote_hfence_gvma(mask, 0, 0);',
      '+}',
      ' ',
      '',
      'diff --git a/xen/common/grant_table.c b/xen/common/grant_table.c',
      '--- a/xen/common/grant_table.c',
      '+++ b/xen/common/grant_table.c',
      '@@ -430,2 +430,3 @@ static void unmap_all(struct domain *d)',
      '     unsigned int x = 0;',
      '+    arch_flush_tlb_mask(d->dirty_cpumask);',
      ' }',
      '',
    ].join('\n');
    const run = await review(['-'], patch);
    expect(run.settings.arches).toEqual(['x86', 'arm']);
    const m = model(calls(run, 'arch_flush_tlb_mask')[0], 'riscv');
    expect(m.mechanism).toBe('firmware');
    expect(m.source).toBe('patch:xen/arch/riscv/include/asm/flushtlb.h:21');
  });

  it('does not model PPC when nothing of it is in view, unless asked', async () => {
    const patch = patchAdding('xen/common/memory.c', 'populate', ['    arch_flush_tlb_mask(d->dirty_cpumask);']);
    const run = await review(['-'], patch);
    expect(Object.keys(calls(run, 'arch_flush_tlb_mask')[0]?.arch ?? {})).toEqual(['x86', 'arm']);
    const asked = await review(['-', '--arch', 'x86,arm,ppc'], patch);
    const m = model(calls(asked, 'arch_flush_tlb_mask')[0], 'ppc');
    expect(m.mechanism).toBe('not-implemented');
    expect(m.notes?.join('\n')).toContain('not implemented');
  });

  it('a patch’s own definition beats the tree’s', async () => {
    const run = await review([fixture('model', 'flush-tlb-mask-no-assist.patch'), '--tree', fixture('model', 'mini-tree')]);
    const site = run.sites.find((s) => s.api === 'flush_tlb_mask' && s.kind === 'call');
    expect(model(site, 'x86').mechanism).toBe('forced-ipi');
    expect(model(site, 'x86').source).toBe('patch:xen/arch/x86/include/asm/flushtlb.h:26');
  });
});
