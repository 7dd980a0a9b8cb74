import type { Arch } from '../types.js';

/**
 * Xen's ports, one descriptor each: where a port's code and flush headers
 * live, in every layout Xen has used. A new port (or a header a port's flush
 * API moved to) is one entry here.
 */

export interface PortDescriptor {
  arch: Arch;
  /** Directory names under `xen/arch/` (and `xen/include/asm-<name>/`) that belong to the port. */
  dirs: readonly string[];
  /** Headers of the flush API and of the constants its flags use, relative to the port's asm directory. */
  headers: readonly string[];
  /** Sources defining the port's out-of-line flush functions, relative to `xen/arch/<arch>/`. */
  sources: readonly string[];
}

export const PORTS: readonly PortDescriptor[] = [
  // page-bits.h (4.17+) and x86_64/page.h (older) give PAGETABLE_ORDER, which flush orders use.
  { arch: 'x86', dirs: ['x86', 'x86_64'], headers: ['flushtlb.h', 'page-bits.h', 'x86_64/page.h'], sources: ['smp.c', 'flushtlb.c'] },
  // Arm's TLB maintenance helpers live in the 64-bit (default build) subheader.
  { arch: 'arm', dirs: ['arm', 'arm32', 'arm64'], headers: ['flushtlb.h', 'arm64/flushtlb.h'], sources: ['smp.c', 'flushtlb.c'] },
  { arch: 'riscv', dirs: ['riscv'], headers: ['flushtlb.h', 'sbi.h'], sources: ['smp.c', 'flushtlb.c', 'sbi.c'] },
  { arch: 'ppc', dirs: ['ppc'], headers: ['flushtlb.h'], sources: ['smp.c', 'flushtlb.c'] },
];

export const portOf = (arch: Arch): PortDescriptor => PORTS.find((p) => p.arch === arch)!;

/** The port a directory name under `xen/arch/` belongs to. */
export const portOfDir = (dir: string): Arch | undefined => PORTS.find((p) => p.dirs.includes(dir))?.arch;

/**
 * A port's asm header directories, in both layouts: `xen/include/asm-<arch>/`
 * until the 2021–22 move (released in 4.17), `xen/arch/<arch>/include/asm/` since.
 */
export const asmDirs = (arch: Arch): string[] => [`xen/include/asm-${arch}`, `xen/arch/${arch}/include/asm`];

/** Common headers that build flush helpers on top of the ports'. */
export const COMMON_FLUSH_HEADERS: readonly string[] = ['xen/include/xen/mm.h', 'xen/include/xen/flushtlb.h'];
