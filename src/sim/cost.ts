import type { Arch, CostEstimate, Site } from '../types.js';

/**
 * The cost model: what a forced IPI flush costs on nested Xen (the PV shim) compared
 * with the assisted flush it replaces. Bare-metal Xen has no assisted flush, so forcing
 * costs nothing there; Arm, RISC-V and PPC never send these IPIs.
 *
 * Parameters and their sources (issue 5 quotes the first two; DOMAIN.md the third):
 */
export const COST_PARAMETERS = {
  /** One IPI flush in a 32-vCPU shim, x2APIC with the all-but-self shorthand. */
  ipiFlushMsX2apic: { value: 0.22, source: "Xen's measurement of one IPI TLB flush in a 32-vCPU PV shim, x2APIC with the all-but-self shorthand (quoted in issue 5)" },
  /** The same with xAPIC (one IPI per target). */
  ipiFlushMsXapic: { value: 1.36, source: "Xen's measurement of one IPI TLB flush in a 32-vCPU PV shim, xAPIC (quoted in issue 5)" },
  /** vCPUs of the measured shim. */
  measuredCpus: { value: 32, source: 'the shim both measurements were taken in' },
  /** `make -j32` system time in that shim: IPI flushes vs assisted flushes, in seconds. */
  makeSysIpiSeconds: { value: 36 * 60 + 24, source: 'commit e9aca9470ed86 (x86/tlb: use Xen L0 assisted TLB flush when available): make -j32 sys 36m24s with IPIs' },
  makeSysAssistedSeconds: { value: 5 * 60 + 16, source: 'commit e9aca9470ed86: make -j32 sys 5m16s with assisted flushes' },
} as const;

const round = (x: number): number => Math.round(x * 1000) / 1000;

function direction(site: Site, arch: Arch): CostEstimate['direction'] | undefined {
  const r = site.arch?.[arch];
  if (!r) return undefined;
  if (r.verdict === 'missing-forced-ipi') return 'adds-forcing';
  if (r.verdict === 'unnecessary-forced-ipi') return 'removes-forcing';
  if (r.mechanism === 'forced-ipi' && site.change === 'added') return 'adds-forcing';
  if (r.mechanism === 'forced-ipi' && site.change === 'removed') return 'removes-forcing';
  return undefined;
}

/**
 * The estimate for one site on one architecture, when its finding adds or removes
 * forcing on x86; undefined otherwise (nothing to cost).
 */
export function estimateCost(site: Site, arch: Arch, cpus: number = COST_PARAMETERS.measuredCpus.value): CostEstimate | undefined {
  if (arch !== 'x86') return undefined;
  const dir = direction(site, arch);
  if (!dir) return undefined;
  const p = COST_PARAMETERS;
  const targets = Math.max(1, cpus - 1);
  // Both measurements are for 31 targets; scale linearly with the number of targets interrupted and waited for.
  const scale = targets / (p.measuredCpus.value - 1);
  const low = round(p.ipiFlushMsX2apic.value * scale);
  const high = round(p.ipiFlushMsXapic.value * scale);
  const workloadRatio = round(p.makeSysIpiSeconds.value / p.makeSysAssistedSeconds.value);
  const allocator = site.classes?.some((c) => c === 'allocation' || c === 'deferred-allocation-flush') ?? false;
  const assumptions = [
    'only nested Xen (the PV shim on an L0 hypervisor) has assisted flushes; on bare metal every remote flush is an IPI and forcing costs nothing',
    `one IPI flush costs ${p.ipiFlushMsX2apic.value} ms (x2APIC) to ${p.ipiFlushMsXapic.value} ms (xAPIC) with ${p.measuredCpus.value} vCPUs, scaled linearly to ${targets} target(s)`,
    `a workload whose flushes are all IPIs ran ${workloadRatio}× the system time of the same with assisted flushes (make -j32: sys 36m24s vs 5m16s); a few forced sites cost a fraction of that, in proportion to how often they run`,
    allocator
      ? 'when assisted flushes are available the shim disables the TLB-flush clock, so this allocator flush cannot be filtered: forced, it interrupts every other online CPU'
      : 'the flush mask is taken to be every other online CPU (an upper bound: the site may flush fewer)',
  ];
  const verb = dir === 'adds-forcing' ? 'adds' : 'saves';
  const summary = `${verb} about ${low}–${high} ms per flush on a ${cpus}-vCPU nested shim (an IPI to ${targets} CPU(s) instead of one assisted flush)`;
  return { cpus, targets, ipiFlushMs: { low, high }, workloadRatio, direction: dir, summary, assumptions };
}
