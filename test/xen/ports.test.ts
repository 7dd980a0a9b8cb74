import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/types.js';
import { fixture, runCli } from '../helpers/cli.js';
import { portOfDir, PORTS } from '../../src/xen/ports.js';
import { archOfPath } from '../../src/model/database.js';

const json = async (args: string[]): Promise<RunResult> => JSON.parse((await runCli([...args, '--format', 'json', '--fail-on', 'never'])).stdout) as RunResult;

describe('ports (src/xen/ports.ts)', () => {
  it('every port directory maps to its port, in both header layouts', () => {
    for (const port of PORTS) for (const dir of port.dirs) expect(portOfDir(dir)).toBe(port.arch);
    expect(archOfPath('xen/include/asm-arm/flushtlb.h')).toBe('arm');
    expect(archOfPath('xen/arch/arm/include/asm/arm64/flushtlb.h')).toBe('arm');
    expect(archOfPath('xen/arch/riscv/p2m.c')).toBe('riscv');
  });

  it('a RISC-V patch gets a RISC-V column: a remote fence asked of the firmware', async () => {
    const run = await json(['review', fixture('cases', 'riscv-patch.diff')]);
    const site = run.sites.find((s) => s.kind === 'call' && s.api === 'arch_flush_tlb_mask')!;
    expect(Object.keys(site.arch!)).toEqual(['x86', 'arm', 'riscv']);
    expect(site.arch!.riscv!.mechanism).toBe('firmware');
    expect(site.arch!.x86!.verdict).toBe('not-applicable');
  });

  it("Arm's 4.18+ header layout (TLB_HELPER with a shareability argument and the repeat-TLBI workaround) is a broadcast, read from the tree", async () => {
    const run = await json(['review', fixture('model', 'arm-4.18-layout.patch'), '--tree', fixture('model', 'arm-4.18-layout.tree')]);
    const arm = run.sites.find((s) => s.kind === 'call' && s.api === 'arch_flush_tlb_mask')!.arch!.arm!;
    expect(arm.mechanism).toBe('broadcast');
    expect(arm.source).toBe('xen/arch/arm/include/asm/arm64/flushtlb.h:35');
    expect(arm.builtIn).toBeUndefined();
    expect(arm.notes?.[0]).toMatch(/flush_all_guests_tlb issues TLBI alle1is/);
    expect(arm.notes?.[0]).toMatch(/the DSB ISH after it waits until every CPU of the inner-shareable domain has completed the invalidation/);
    expect(arm.notes?.[0]).toMatch(/repeat-TLBI erratum \(ARM64_WORKAROUND_REPEAT_TLBI\)/);
  });

  it.each([
    // 2016-2019: flush_tlb_mask a function in smp.c, an inline helper with the TLBI between DSB SYs.
    ['4.8', 'flush_tlb_mask', 'xen/include/asm-arm/arm64/flushtlb.h:16', 'SY', 'system'],
    // 2020-2021: arch_flush_tlb_mask, the two-argument TLB_HELPER(name, tlbop) generator.
    ['4.14', 'arch_flush_tlb_mask', 'xen/include/asm-arm/arm64/flushtlb.h:24', 'ISH', 'inner-shareable domain'],
  ])("Arm's %s-era layout is a broadcast through %s, read from the tree, completed by its DSB", async (era, api, source, dsb, domain) => {
    const run = await json(['review', fixture('model', `arm-${era}-layout.patch`), '--tree', fixture('model', `arm-${era}-layout.tree`)]);
    const arm = run.sites.find((s) => s.kind === 'call' && s.api === api)!.arch!.arm!;
    expect(arm.mechanism).toBe('broadcast');
    expect(arm.source).toBe(source);
    expect(arm.builtIn).toBeUndefined();
    expect(arm.notes?.[0]).toContain(`the DSB ${dsb} after it waits until every CPU of the ${domain} has completed the invalidation`);
    expect(arm.notes?.[0]).not.toMatch(/repeat-TLBI/);
  });
});
