import type { Arch } from '../types.js';
import { parseTreeFile } from '../model/tree-headers.js';
import { definitionsFrom, staticLayer, type ArchScope, type Layer, type ModelDefinition } from '../model/database.js';

/**
 * What the model knows of Xen's flush API without seeing it: a small C model
 * (written for this tool, in Xen's style) parsed by the same machinery as
 * the tree's headers, so built-in knowledge goes through the same expansion,
 * `#if` and flag evaluation. It is searched last: anything the patch or the
 * tree shows wins. It describes Xen since 4.17, plus the names older
 * releases used (`flush_tlb_mask` as Arm's function, `FLUSH_FORCE_IPI`).
 */

const X86 = `
/* Flag bits of a flush request. */
#define FLUSH_ORDER_MASK 0xff
#define FLUSH_ORDER(x) ((x) + 1)
#define FLUSH_TLB 0x100
#define FLUSH_TLB_GLOBAL 0x200
#define FLUSH_CACHE 0x400
#define FLUSH_VA_VALID 0x800
#define FLUSH_VCPU_STATE 0x1000
#define FLUSH_ROOT_PGTBL 0x2000
#if defined(CONFIG_HVM)
#define FLUSH_HVM_ASID_CORE 0x4000
#else
#define FLUSH_HVM_ASID_CORE 0
#endif
/* Rules out the assisted path; only builds with PV or shadow guests need it. */
#if defined(CONFIG_PV) || defined(CONFIG_SHADOW_PAGING)
#define FLUSH_NO_ASSIST 0x8000
#else
#define FLUSH_NO_ASSIST 0
#endif
/* The name the flag had before 2022. */
#define FLUSH_FORCE_IPI FLUSH_NO_ASSIST

/*
 * Remote CPUs are flushed by the L0 hypervisor (no interrupt on the target)
 * when Xen runs nested and the request holds only TLB bits; otherwise by an
 * IPI the initiator waits for.
 */
void flush_area_mask(const cpumask_t *mask, const void *va, unsigned int flags)
{
    if ( flush_remote_cpus(mask) )
    {
        if ( running_on_hypervisor() &&
             !(flags & ~(FLUSH_TLB | FLUSH_TLB_GLOBAL | FLUSH_VA_VALID |
                         FLUSH_ORDER_MASK)) &&
             !hypervisor_flush_tlb(mask, va, flags) )
            return;
        send_IPI_mask(mask, INVALIDATE_TLB_VECTOR);
        wait_for_flush_acks(mask);
    }
}

#define flush_mask(mask, flags) flush_area_mask(mask, NULL, flags)
#define flush_all(flags) flush_mask(&cpu_online_map, flags)
#define flush_tlb_mask(mask) flush_mask(mask, FLUSH_TLB)
#define flush_tlb_one_mask(mask, v) \\
    flush_area_mask(mask, (const void *)(v), FLUSH_TLB | FLUSH_ORDER(0))
#define flush_tlb_all() flush_tlb_mask(&cpu_online_map)
/* The helper common code calls: no assistance, to be on the safe side. */
#define arch_flush_tlb_mask(mask) flush_mask(mask, FLUSH_TLB | FLUSH_NO_ASSIST)
`;

const ARM = `
/* TLBI ALLE1IS: every guest TLB entry, on every CPU of the inner-shareable domain. */
static inline void flush_all_guests_tlb(void)
{
    asm volatile ( "dsb ishst; tlbi alle1is; dsb ish; isb;" : : : "memory" );
}

/* Hardware broadcasts the invalidation: no CPU is interrupted. */
void arch_flush_tlb_mask(const cpumask_t *mask)
{
    flush_all_guests_tlb();
}

/* The name before 4.17. */
void flush_tlb_mask(const cpumask_t *mask)
{
    flush_all_guests_tlb();
}

#define flush_tlb_all() flush_tlb_mask(&cpu_online_map)
`;

const RISCV = `
/* Remote fences are requested from the SBI firmware (RFENCE extension). */
void arch_flush_tlb_mask(const cpumask_t *mask)
{
    sbi_remote_hfence_gvma(mask, 0, 0);
}
`;

const PPC = `
/* The port has no remote flush yet. */
void arch_flush_tlb_mask(const cpumask_t *mask)
{
    BUG_ON("unimplemented");
}
`;

const COMMON = `
/* Flush the CPUs that may still hold entries older than the timestamp. */
static inline void filtered_flush_tlb_mask(uint32_t tlbflush_timestamp)
{
    cpumask_t mask;

    cpumask_copy(&mask, &cpu_online_map);
    tlbflush_filter(&mask, tlbflush_timestamp);
    if ( !cpumask_empty(&mask) )
        arch_flush_tlb_mask(&mask);
}
`;

const TEXTS: [ArchScope, string][] = [
  ['x86', X86],
  ['arm', ARM],
  ['riscv', RISCV],
  ['ppc', PPC],
  ['common', COMMON],
];

/**
 * Before 2020-04 flush_area_mask() had no assisted path: every remote flush
 * was an IPI (src/xen/eras.ts). The same model, with that branch gone.
 */
const X86_BEFORE_ASSISTED = X86.replace(/ {8}if \( running_on_hypervisor\(\) &&[\s\S]*?return;\n/, '        /* No assisted path before 2020: always an IPI. */\n');

const definitions = new Map<boolean, ModelDefinition[]>();

/** The built-in definitions, parsed once per process; `assisted: false` is the model before 2020-04. */
export function builtinDefinitions(assisted = true): readonly ModelDefinition[] {
  let defs = definitions.get(assisted);
  if (!defs) {
    defs = TEXTS.flatMap(([arch, text]) => definitionsFrom([parseTreeFile(`built-in/${arch}.h`, arch === 'x86' && !assisted ? X86_BEFORE_ASSISTED : text)], { kind: 'built-in', arch }));
    definitions.set(assisted, defs);
  }
  return defs;
}

export const builtinLayer = (assisted = true): Layer => staticLayer('built-in', builtinDefinitions(assisted));

/** The built-in model's text for one architecture (docs and tests). */
export const builtinText = (arch: Arch | 'common'): string => TEXTS.find(([a]) => a === arch)?.[1] ?? '';
