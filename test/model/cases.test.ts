import { describe, expect, it } from 'vitest';
import type { Arch, Mechanism } from '../../src/types.js';
import { modelIn } from '../helpers/model.js';

/*
 * Table of macro, flag and build-configuration cases. Every snippet is
 * written here, in Xen's style; none is taken from Xen. The base tree is a
 * small x86 flush API whose flush_area_mask allows the assisted path for
 * TLB-only flags; each case adds or replaces definitions.
 */

const X86_HEADER = 'xen/arch/x86/include/asm/flushtlb.h';
const X86_SMP = 'xen/arch/x86/smp.c';
const COMMON = 'xen/include/xen/mm.h';
const ARM_HEADER = 'xen/arch/arm/include/asm/flushtlb.h';
const ARM_SMP = 'xen/arch/arm/smp.c';
const RISCV_HEADER = 'xen/arch/riscv/include/asm/flushtlb.h';
const PPC_HEADER = 'xen/arch/ppc/include/asm/flushtlb.h';

const FLAGS = `
#define FLUSH_ORDER_MASK 0xff
#define FLUSH_ORDER(x)   ((x) + 1)
#define FLUSH_TLB        0x100
#define FLUSH_TLB_GLOBAL 0x200
#define FLUSH_CACHE      0x400
#define FLUSH_VA_VALID   0x800
`;

const NO_ASSIST = `
#if defined(CONFIG_PV) || defined(CONFIG_SHADOW_PAGING)
# define FLUSH_NO_ASSIST 0x8000
#else
# define FLUSH_NO_ASSIST 0
#endif
`;

const API = `
void flush_area_mask(const cpumask_t *mask, const void *va, unsigned int flags);
#define flush_mask(mask, flags) flush_area_mask(mask, NULL, flags)
#define flush_tlb_mask(mask) flush_mask(mask, FLUSH_TLB)
`;

const header = (...parts: string[]): string => `#ifndef __CASE_FLUSHTLB_H__\n#define __CASE_FLUSHTLB_H__\n${parts.join('\n')}\n#endif /* __CASE_FLUSHTLB_H__ */\n`;

const PRIMITIVE = `
void flush_area_mask(const cpumask_t *mask, const void *va, unsigned int flags)
{
    if ( nested_xen() &&
         !(flags & ~(FLUSH_TLB | FLUSH_TLB_GLOBAL | FLUSH_VA_VALID | FLUSH_ORDER_MASK)) &&
         !l0_flush(mask, va, flags) )
        return;
    send_IPI_mask(mask, FLUSH_VECTOR);
}
`;

/** A primitive from before assisted flushes: every remote flush is an IPI. */
const OLD_PRIMITIVE = `
void flush_area_mask(const cpumask_t *mask, const void *va, unsigned int flags)
{
    if ( !cpumask_subset(mask, cpumask_of(smp_processor_id())) )
    {
        send_IPI_mask(mask, FLUSH_VECTOR);
        wait_for_acks(mask);
    }
}
`;

const SYNC_HELPER = `
static inline void flush_pages_mask(cpumask_t *mask, bool sync)
{
    if ( cpumask_empty(mask) )
        return;
    if ( sync )
        flush_mask(mask, FLUSH_TLB | FLUSH_NO_ASSIST);
    else
        flush_tlb_mask(mask);
}
`;

/** The assisted branch exists only in builds that can run nested. */
const GUEST_ONLY_PRIMITIVE = `
void flush_area_mask(const cpumask_t *mask, const void *va, unsigned int flags)
{
#ifdef CONFIG_HYPERVISOR_GUEST
    if ( nested_xen() && !(flags & ~(FLUSH_TLB | FLUSH_ORDER_MASK)) && !l0_flush(mask, va, flags) )
        return;
#endif
    send_IPI_mask(mask, FLUSH_VECTOR);
}
`;

const PV_ONLY_HELPER = `
static inline void flush_for_pv(cpumask_t *m)
{
#ifdef CONFIG_PV
    flush_mask(m, FLUSH_TLB | FLUSH_NO_ASSIST);
#else
    flush_tlb_mask(m);
#endif
}
`;

const HAP_ONLY = { CONFIG_PV: false, CONFIG_SHADOW_PAGING: false, CONFIG_HVM: true };
const PV_ONLY = { CONFIG_PV: true, CONFIG_SHADOW_PAGING: false, CONFIG_HVM: true };
const SHADOW_ONLY = { CONFIG_PV: false, CONFIG_SHADOW_PAGING: true, CONFIG_HVM: true };

interface Case {
  name: string;
  files?: Record<string, string>;
  /** Appended to the base x86 header. */
  x86?: string;
  common?: string;
  call: string;
  arch?: Arch;
  config?: Record<string, boolean>;
  mechanism: Mechanism;
  condition?: string;
  note?: string;
  source?: string;
}

const CASES: Case[] = [
  // ── flags against the assisted set ──
  { name: 'flush_tlb_mask is TLB only: may be assisted', call: 'flush_tlb_mask(m)', mechanism: 'assisted-possible', source: `${X86_HEADER}:` },
  { name: 'a helper adding FLUSH_NO_ASSIST forces the IPI', x86: '#define flush_tlb_mask_ipi(m) flush_mask(m, FLUSH_TLB | FLUSH_NO_ASSIST)', call: 'flush_tlb_mask_ipi(m)', mechanism: 'forced-ipi' },
  { name: 'FLUSH_CACHE lies outside the assisted set', call: 'flush_mask(m, FLUSH_TLB | FLUSH_CACHE)', mechanism: 'ipi', note: 'FLUSH_CACHE outside' },
  { name: 'FLUSH_TLB_GLOBAL is a TLB bit', call: 'flush_mask(m, FLUSH_TLB_GLOBAL)', mechanism: 'assisted-possible' },
  { name: 'FLUSH_ORDER(0) expands as a function-like macro', call: 'flush_area_mask(m, va, FLUSH_TLB | FLUSH_ORDER(0))', mechanism: 'assisted-possible' },
  { name: 'FLUSH_VA_VALID with FLUSH_TLB', call: 'flush_mask(m, FLUSH_VA_VALID | FLUSH_TLB)', mechanism: 'assisted-possible' },
  { name: 'a composite flag macro', x86: '#define FLUSH_SYNC_TLB (FLUSH_TLB | FLUSH_NO_ASSIST)', call: 'flush_mask(m, FLUSH_SYNC_TLB)', mechanism: 'forced-ipi' },
  { name: 'a flag written as a shift', x86: '#define FLUSH_KEEP_IPI (1u << 15)', call: 'flush_mask(m, FLUSH_TLB | FLUSH_KEEP_IPI)', mechanism: 'forced-ipi' },
  { name: 'flags in a variable are not known', call: 'flush_mask(m, flags)', mechanism: 'unknown', note: 'not known before run time' },
  { name: 'an unknown part cannot hide a known forcing bit', call: 'flush_mask(m, extra | FLUSH_NO_ASSIST)', mechanism: 'forced-ipi' },
  { name: 'an unknown part may add bits outside the set', call: 'flush_mask(m, FLUSH_TLB | extra)', mechanism: 'unknown' },
  {
    name: 'a local set once stands for its initializer',
    common: 'static inline void flush_sync_local(cpumask_t *m)\n{\n    unsigned int f = FLUSH_TLB | FLUSH_NO_ASSIST;\n\n    flush_mask(m, f);\n}\n',
    call: 'flush_sync_local(m)',
    mechanism: 'forced-ipi',
  },
  {
    name: 'a local changed after its declaration is not known',
    common: 'static inline void flush_changing(cpumask_t *m, bool x)\n{\n    unsigned int f = FLUSH_TLB;\n\n    if ( x )\n        f |= FLUSH_NO_ASSIST;\n    flush_mask(m, f);\n}\n',
    call: 'flush_changing(m, true)',
    mechanism: 'unknown',
  },
  { name: 'flags of exactly 0 flush nothing', call: 'flush_mask(m, 0)', mechanism: 'none' },
  {
    name: 'flags computed by a declared function: its return, the caller’s argument bound',
    x86: 'unsigned int guest_flags(const struct domain *d);\nvoid guest_flush_tlb_mask(const struct domain *d, const cpumask_t *mask);',
    files: {
      'xen/arch/x86/flushtlb.c': [
        'unsigned int guest_flags(const struct domain *d)',
        '{',
        '    bool sh = uses_shadow(d);',
        '    bool tagged = is_hvm(d) && (has_tags || sh);',
        '',
        '    return (sh ? FLUSH_TLB : 0) | (tagged ? FLUSH_CACHE : 0);',
        '}',
        '',
        'void guest_flush_tlb_mask(const struct domain *d, const cpumask_t *mask)',
        '{',
        '    unsigned int flags = guest_flags(d);',
        '',
        '    if ( flags )',
        '        flush_mask(mask, flags);',
        '}',
        '',
      ].join('\n'),
    },
    call: 'guest_flush_tlb_mask(dom, dom->dirty_cpumask)',
    mechanism: 'conditional',
    condition: 'is_hvm(dom) && (has_tags || uses_shadow(dom))',
    source: 'xen/arch/x86/flushtlb.c:',
  },
  // ── conditional flags ──
  {
    name: 'cond ? TLB|NO_ASSIST : TLB is conditional on cond',
    call: 'flush_mask(m, was_pt ? FLUSH_TLB | FLUSH_NO_ASSIST : FLUSH_TLB)',
    mechanism: 'conditional',
    condition: 'was_pt',
    source: 'patch:caller.c:1',
  },
  {
    name: 'the same with the old name FLUSH_FORCE_IPI',
    x86: '#define FLUSH_FORCE_IPI FLUSH_NO_ASSIST',
    call: 'flush_mask(m, (x & PGT_type_mask) <= PGT_root_page_table ? FLUSH_TLB | FLUSH_FORCE_IPI : FLUSH_TLB)',
    mechanism: 'conditional',
    condition: '(x & PGT_type_mask) <= PGT_root_page_table',
  },
  { name: 'forcing in the else branch negates the condition', call: 'flush_mask(m, keep ? FLUSH_TLB : FLUSH_TLB | FLUSH_NO_ASSIST)', mechanism: 'conditional', condition: '!(keep)' },
  { name: 'a literal condition decides', call: 'flush_mask(m, 1 ? FLUSH_TLB | FLUSH_NO_ASSIST : FLUSH_TLB)', mechanism: 'forced-ipi' },
  { name: 'both branches force: not conditional', call: 'flush_mask(m, c ? FLUSH_TLB | FLUSH_NO_ASSIST : FLUSH_CACHE)', mechanism: 'ipi' },
  {
    name: 'a conditional flag in a HAP-only build is a no-op',
    call: 'flush_mask(m, c ? FLUSH_TLB | FLUSH_NO_ASSIST : FLUSH_TLB)',
    config: HAP_ONLY,
    mechanism: 'assisted-possible',
    note: 'FLUSH_NO_ASSIST is 0 in this build',
  },
  // ── aliases and helpers ──
  {
    name: 'an object-like alias follows its target',
    x86: '#define flush_tlb_mask_sync flush_tlb_mask',
    call: 'flush_tlb_mask_sync(m)',
    mechanism: 'assisted-possible',
    note: 'flush_tlb_mask_sync is an alias of flush_tlb_mask on x86',
  },
  {
    name: 'an alias of an alias of a forcing helper',
    x86: '#define flush_ipi(m) flush_mask(m, FLUSH_TLB | FLUSH_NO_ASSIST)\n#define flush_sync flush_ipi\n#define flush_sync2 flush_sync',
    call: 'flush_sync2(m)',
    mechanism: 'forced-ipi',
  },
  { name: 'an inline helper: the caller passes true', common: SYNC_HELPER, call: 'flush_pages_mask(&mask, true)', mechanism: 'forced-ipi' },
  { name: 'an inline helper: the caller passes false', common: SYNC_HELPER, call: 'flush_pages_mask(&mask, false)', mechanism: 'assisted-possible' },
  {
    name: 'an inline helper: the caller passes an expression',
    common: SYNC_HELPER,
    call: 'flush_pages_mask(&mask, order > 0)',
    mechanism: 'conditional',
    condition: 'order > 0',
    source: `${COMMON}:`,
  },
  {
    name: 'an inline helper that forces when the parameter is false',
    common: 'static inline void flush_lazy(cpumask_t *m, bool lazy)\n{\n    if ( !lazy )\n        flush_mask(m, FLUSH_TLB | FLUSH_NO_ASSIST);\n    else\n        flush_tlb_mask(m);\n}\n',
    call: 'flush_lazy(m, 0)',
    mechanism: 'forced-ipi',
  },
  {
    name: 'a helper called with too few arguments: the missing one is unknown, and said so',
    common: SYNC_HELPER,
    call: 'flush_pages_mask(&mask)',
    mechanism: 'conditional',
    condition: 'sync',
    note: 'takes 2 arguments, called with 1',
  },
  {
    name: 'a function-like macro that picks flags on a parameter',
    x86: '#define flush_maybe_sync(m, s) flush_mask(m, (s) ? FLUSH_TLB | FLUSH_NO_ASSIST : FLUSH_TLB)',
    call: 'flush_maybe_sync(m, need_ipi)',
    mechanism: 'conditional',
    condition: 'need_ipi',
  },
  {
    name: 'the same macro with a literal',
    x86: '#define flush_maybe_sync(m, s) flush_mask(m, (s) ? FLUSH_TLB | FLUSH_NO_ASSIST : FLUSH_TLB)',
    call: 'flush_maybe_sync(m, 0)',
    mechanism: 'assisted-possible',
  },
  // ── build configuration ──
  {
    name: 'HAP-only: the forcing flag is 0',
    x86: '#define flush_ipi(m) flush_mask(m, FLUSH_TLB | FLUSH_NO_ASSIST)',
    call: 'flush_ipi(m)',
    config: HAP_ONLY,
    mechanism: 'assisted-possible',
    note: 'forcing is a no-op',
  },
  { name: 'PV without shadow still forces', x86: '#define flush_ipi(m) flush_mask(m, FLUSH_TLB | FLUSH_NO_ASSIST)', call: 'flush_ipi(m)', config: PV_ONLY, mechanism: 'forced-ipi' },
  { name: 'shadow without PV still forces', x86: '#define flush_ipi(m) flush_mask(m, FLUSH_TLB | FLUSH_NO_ASSIST)', call: 'flush_ipi(m)', config: SHADOW_ONLY, mechanism: 'forced-ipi' },
  {
    name: '#ifdef / #else picks the branch',
    files: { [X86_HEADER]: header(FLAGS, '#ifdef CONFIG_PV\n#define FLUSH_PV_IPI 0x8000\n#else\n#define FLUSH_PV_IPI 0\n#endif', API) },
    call: 'flush_mask(m, FLUSH_TLB | FLUSH_PV_IPI)',
    config: HAP_ONLY,
    mechanism: 'assisted-possible',
    note: 'FLUSH_PV_IPI is 0 in this build',
  },
  {
    name: '#if with && and !defined',
    files: { [X86_HEADER]: header(FLAGS, '#if defined(CONFIG_PV) && !defined(CONFIG_SHADOW_PAGING)\n#define FLUSH_X 0x8000\n#else\n#define FLUSH_X 0\n#endif', API) },
    call: 'flush_mask(m, FLUSH_TLB | FLUSH_X)',
    config: PV_ONLY,
    mechanism: 'forced-ipi',
  },
  {
    name: '#if CONFIG_X used as a number',
    files: { [X86_HEADER]: header(FLAGS, '#if CONFIG_HVM\n#define FLUSH_ASID 0x4000\n#else\n#define FLUSH_ASID 0\n#endif', API) },
    call: 'flush_mask(m, FLUSH_TLB | FLUSH_ASID)',
    mechanism: 'ipi',
  },
  {
    name: '#if CONFIG_X off makes the flag 0',
    files: { [X86_HEADER]: header(FLAGS, '#if CONFIG_HVM\n#define FLUSH_ASID 0x4000\n#else\n#define FLUSH_ASID 0\n#endif', API) },
    call: 'flush_mask(m, FLUSH_TLB | FLUSH_ASID)',
    config: { CONFIG_PV: true, CONFIG_SHADOW_PAGING: true, CONFIG_HVM: false },
    mechanism: 'assisted-possible',
  },
  {
    name: '#if IS_ENABLED(CONFIG_X)',
    files: { [X86_HEADER]: header(FLAGS, '#if IS_ENABLED(CONFIG_SHADOW_PAGING)\n#define FLUSH_SH 0x8000\n#else\n#define FLUSH_SH 0\n#endif', API) },
    call: 'flush_mask(m, FLUSH_TLB | FLUSH_SH)',
    mechanism: 'forced-ipi',
  },
  {
    name: '#if comparing a macro in view',
    files: { [X86_HEADER]: header(FLAGS, '#define FLUSH_LEVEL 3\n#if FLUSH_LEVEL >= 2\n#define FLUSH_L 0x8000\n#else\n#define FLUSH_L 0\n#endif', API) },
    call: 'flush_mask(m, FLUSH_TLB | FLUSH_L)',
    mechanism: 'forced-ipi',
  },
  {
    name: '#if 0 hides a definition; #elif chain picks the live one',
    files: { [X86_HEADER]: header(FLAGS, '#if 0\n#define FLUSH_E 0x8000\n#elif defined(CONFIG_HVM)\n#define FLUSH_E 0x100\n#else\n#define FLUSH_E 0x8000\n#endif', API) },
    call: 'flush_mask(m, FLUSH_E)',
    mechanism: 'assisted-possible',
  },
  {
    name: 'an unknown symbol stays unknown: the definition is assumed, and said so',
    files: { [X86_HEADER]: header(FLAGS, '#if defined(CONFIG_SOMETHING_NEW)\n#define FLUSH_N 0x8000\n#endif', API) },
    call: 'flush_mask(m, FLUSH_TLB | FLUSH_N)',
    mechanism: 'forced-ipi',
    note: 'assumes #if defined(CONFIG_SOMETHING_NEW)',
  },
  {
    name: 'inside its own expansion a macro’s name is the function (as in cpp)',
    x86: '#define flush_area_mask(m, va, f) flush_area_mask(m, va, (f) | FLUSH_CACHE)',
    call: 'flush_tlb_mask(m)',
    mechanism: 'ipi',
  },
  {
    name: 'an expansion too deep to follow is unknown, not a hang',
    x86: Array.from({ length: 40 }, (_, i) => `#define flush_chain${i}(m) flush_chain${i + 1}(m); flush_chain${i + 1}(m)`)
      .join('\n')
      .concat('\n#define flush_chain40(m) flush_tlb_mask(m)'),
    call: 'flush_chain0(m)',
    mechanism: 'unknown',
    note: 'too large to follow',
  },
  {
    name: 'a flag macro used three times per level of a 20-level chain is worked out once per level',
    x86: ['#define FLUSH_CHAIN0 FLUSH_TLB', ...Array.from({ length: 20 }, (_, i) => `#define FLUSH_CHAIN${i + 1} (FLUSH_CHAIN${i} | FLUSH_CHAIN${i} | FLUSH_CHAIN${i})`)].join('\n'),
    call: 'flush_mask(m, FLUSH_CHAIN20)',
    mechanism: 'assisted-possible',
  },
  {
    name: 'flags past the expansion budget are unknown, with the reason, not a hang',
    // Each level calls the one below with three different arguments: 3^20 distinct expansions.
    x86: ['#define FLUSH_WIDE0(x) (x)', ...Array.from({ length: 20 }, (_, i) => `#define FLUSH_WIDE${i + 1}(x) (FLUSH_WIDE${i}((x)) | FLUSH_WIDE${i}((x) | 1) | FLUSH_WIDE${i}((x) | 2))`)].join('\n'),
    call: 'flush_mask(m, FLUSH_WIDE20(FLUSH_TLB))',
    mechanism: 'unknown',
    note: 'macro expansions to work out: not followed',
  },
  // ── the primitive ──
  // A flag outside the assisted set that has work of its own (or that this
  // primitive's narrower set excludes) makes the flush an IPI by need: `ipi`.
  // Only FLUSH_NO_ASSIST / FLUSH_FORCE_IPI bits are a choice to force.
  { name: 'an old flush_area_mask has no assisted path: IPI', files: { [X86_SMP]: OLD_PRIMITIVE }, call: 'flush_tlb_mask(m)', mechanism: 'ipi', note: 'has no assisted path', source: `${X86_SMP}:` },
  {
    name: 'an assisted check written as (flags & ~SET) == 0',
    files: {
      [X86_SMP]:
        'void flush_area_mask(const cpumask_t *mask, const void *va, unsigned int flags)\n{\n    if ( nested_xen() && (flags & ~(FLUSH_TLB | FLUSH_ORDER_MASK)) == 0 && !l0_flush(mask, va, flags) )\n        return;\n    send_IPI_mask(mask, FLUSH_VECTOR);\n}\n',
    },
    call: 'flush_mask(m, FLUSH_TLB_GLOBAL)',
    mechanism: 'ipi',
  },
  {
    name: 'a narrower assisted set read from the tree',
    files: {
      [X86_SMP]:
        'void flush_area_mask(const cpumask_t *mask, const void *va, unsigned int fl)\n{\n    if ( nested_xen() && !(fl & ~FLUSH_TLB) && !l0_flush(mask, va, fl) )\n        return;\n    send_IPI_mask(mask, FLUSH_VECTOR);\n}\n',
    },
    call: 'flush_mask(m, FLUSH_TLB | FLUSH_ORDER(0))',
    mechanism: 'ipi',
  },
  {
    name: 'an assisted branch inside #ifdef of an unknown option is assumed built, and said so',
    files: { [X86_SMP]: GUEST_ONLY_PRIMITIVE },
    call: 'flush_tlb_mask(m)',
    mechanism: 'assisted-possible',
    note: 'built only when defined(CONFIG_HYPERVISOR_GUEST); assumed so',
  },
  {
    name: 'an assisted branch built out leaves only the IPI',
    files: { [X86_SMP]: GUEST_ONLY_PRIMITIVE },
    call: 'flush_tlb_mask(m)',
    config: { ...PV_ONLY, CONFIG_HYPERVISOR_GUEST: false },
    mechanism: 'ipi',
  },
  { name: 'a call inside #ifdef in a helper body: built in', common: PV_ONLY_HELPER, call: 'flush_for_pv(m)', mechanism: 'forced-ipi' },
  { name: 'a call inside #ifdef in a helper body: built out', common: PV_ONLY_HELPER, call: 'flush_for_pv(m)', config: HAP_ONLY, mechanism: 'assisted-possible' },
  {
    name: 'a helper that sends IPIs itself',
    common: 'static inline void flush_by_hand(cpumask_t *m)\n{\n    on_selected_cpus(m, do_flush, NULL, 1);\n}\n',
    call: 'flush_by_hand(m)',
    mechanism: 'ipi',
  },
  // ── other ports ──
  {
    name: 'Arm: a function issuing a broadcast TLBI',
    arch: 'arm',
    files: {
      [ARM_HEADER]: 'void arch_flush_tlb_mask(const cpumask_t *mask);\nstatic inline void all_guests_tlbi(void)\n{\n    asm volatile ( "dsb ishst; tlbi vmalls12e1is; dsb ish" : : : "memory" );\n}\n',
      [ARM_SMP]: 'void arch_flush_tlb_mask(const cpumask_t *mask)\n{\n    all_guests_tlbi();\n}\n',
    },
    call: 'arch_flush_tlb_mask(m)',
    mechanism: 'broadcast',
    source: `${ARM_HEADER}:`,
  },
  {
    name: 'Arm: a local TLBI does not reach other CPUs',
    arch: 'arm',
    files: { [ARM_HEADER]: 'static inline void flush_here(void)\n{\n    asm volatile ( "tlbi alle1; dsb nsh" : : : "memory" );\n}\n#define flush_tlb_here(m) flush_here()\n' },
    call: 'flush_tlb_here(m)',
    mechanism: 'none',
  },
  {
    name: 'Arm: an alias of the broadcast helper',
    arch: 'arm',
    files: {
      [ARM_HEADER]: 'void flush_tlb_mask(const cpumask_t *mask);\n#define flush_tlb_mask_sync flush_tlb_mask\n',
      [ARM_SMP]: 'void flush_tlb_mask(const cpumask_t *mask)\n{\n    asm volatile ( "tlbi alle1is" : : : "memory" );\n}\n',
    },
    call: 'flush_tlb_mask_sync(m)',
    mechanism: 'broadcast',
    note: 'flush_tlb_mask_sync is an alias of flush_tlb_mask on arm',
  },
  {
    name: 'RISC-V: remote fences through SBI',
    arch: 'riscv',
    files: { [RISCV_HEADER]: 'static inline void arch_flush_tlb_mask(const cpumask_t *mask)\n{\n    sbi_remote_hfence_gvma(mask, 0, 0);\n}\n' },
    call: 'arch_flush_tlb_mask(m)',
    mechanism: 'firmware',
  },
  {
    name: 'PPC: an unimplemented stub',
    arch: 'ppc',
    files: { [PPC_HEADER]: 'static inline void arch_flush_tlb_mask(const cpumask_t *mask)\n{\n    BUG_ON("unimplemented");\n}\n' },
    call: 'arch_flush_tlb_mask(m)',
    mechanism: 'not-implemented',
    note: 'its body traps (BUG_ON)',
  },
  {
    name: 'PPC: a stub that is unreachable by assertion traps in debug builds only, and says so',
    arch: 'ppc',
    files: { [PPC_HEADER]: 'void arch_flush_tlb_mask(const cpumask_t *mask)\n{\n    ASSERT_UNREACHABLE();\n}\n#define flush_tlb_mask arch_flush_tlb_mask\n' },
    call: 'flush_tlb_mask(m)',
    mechanism: 'not-implemented',
    note: 'a release build returns without flushing',
  },
  {
    name: 'RISC-V: a BUG() stub is not implemented, not a no-op',
    arch: 'riscv',
    files: { [RISCV_HEADER]: 'static inline void arch_flush_tlb_mask(const cpumask_t *mask)\n{\n    BUG();\n}\n' },
    call: 'arch_flush_tlb_mask(m)',
    mechanism: 'not-implemented',
    note: 'not implemented on this port',
  },
  {
    name: 'a flush declared but defined nowhere in view is unknown',
    x86: 'void guest_flush_tlb_mask(const struct domain *d, const cpumask_t *mask);',
    call: 'guest_flush_tlb_mask(d, m)',
    mechanism: 'unknown',
    note: 'no definition for x86 in view',
  },
  {
    name: 'a declared function that is not a flush does not flush',
    x86: 'void note_stamp(unsigned int s);\nstatic inline void flush_noted(cpumask_t *m)\n{\n    note_stamp(1);\n    flush_tlb_mask(m);\n}',
    call: 'flush_noted(m)',
    mechanism: 'assisted-possible',
  },
];

function filesOf(c: Case): Record<string, string> {
  const files: Record<string, string> = {
    [X86_HEADER]: header(FLAGS, NO_ASSIST, API, c.x86 ?? ''),
    [X86_SMP]: PRIMITIVE,
  };
  if (c.common) files[COMMON] = c.common;
  return { ...files, ...c.files };
}

describe('flush model: macro, flag and configuration cases', () => {
  it('has at least 30 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const model = modelIn({ files: filesOf(c), call: c.call, arch: c.arch ?? 'x86', ...(c.config ? { config: c.config } : {}) });
    expect(model.mechanism, JSON.stringify(model, null, 1)).toBe(c.mechanism);
    if (c.condition !== undefined) expect(model.condition).toBe(c.condition);
    if (c.note !== undefined) expect([...(model.expansion ?? []), ...(model.notes ?? [])].join('\n')).toContain(c.note);
    if (c.source !== undefined) expect(model.source.startsWith(c.source), model.source).toBe(true);
    // The snippets define everything these cases use: the built-in model never decides.
    expect(model.source).not.toBe('built-in');
  });
});
