import { readFileSync } from 'node:fs';
import { review } from '../../src/pipeline/index.js';
import { runRules } from '../../src/rules/index.js';
import type { ArchResult, Evidence, RunResult, Site, TraceStep } from '../../src/types.js';
import { ok } from '../../src/types.js';
import { SAMPLE } from '../helpers/cli.js';

/**
 * Hand-built run results for reporter tests. They start from the real
 * pipeline's output for a real patch (sites, patches, hunks) and fill in
 * by hand what the model, classifier and simulator stages will add, then run
 * the real rules, so findings are exactly what the rules make of that data.
 */

export function reviewText(name: string, text: string): RunResult {
  return review([{ name, source: ok({ name, text }) }], { arches: ['x86', 'arm'], config: { CONFIG_PV: true, CONFIG_SHADOW_PAGING: true, CONFIG_HVM: true } });
}

export const sampleReview = (): RunResult => reviewText('sync-param-thread.txt', readFileSync(SAMPLE, 'utf8'));

/** The counterexample for an assisted flush on an allocation path (P1: walker reads a reused frame). */
export const ALLOCATION_TRACE: TraceStep[] = [
  { step: 1, cpu: 1, actor: 'walker', action: 'spurious_page_fault(): interrupts off', effect: 'CPU 1 ignores flush IPIs until it re-enables interrupts' },
  { step: 2, cpu: 1, actor: 'walker', action: 'read L4 entry → frame 7 (L3 table)', effect: 'CPU 1 holds a pointer into frame 7' },
  { step: 3, cpu: 0, actor: 'owner', action: 'free frame 7', effect: 'frame 7 free, need_tlbflush set' },
  { step: 4, cpu: 0, actor: 'initiator', action: 'alloc_heap_pages(MEMF_no_tlbflush) reuses frame 7', effect: 'flush deferred to the caller' },
  { step: 5, cpu: 0, actor: 'initiator', action: 'filtered_flush_tlb_mask(ts, false): assisted flush', effect: 'remote TLBs dropped without waiting for CPU 1' },
  { step: 6, cpu: 0, actor: 'initiator', action: 'write guest data into frame 7', effect: 'frame 7 is writable, no longer a page table' },
  { step: 7, cpu: 1, actor: 'walker', action: 'read frame 7 as an L3 table', effect: 'walker reads guest-controlled data: P1 violated' },
];

const x86 = (r: Partial<ArchResult> & Pick<ArchResult, 'mechanism'>): ArchResult => ({ source: 'built-in', ...r });

function sim(safe: boolean, trace: TraceStep[] = [], extra: Partial<NonNullable<ArchResult['sim']>> = {}): NonNullable<ArchResult['sim']> {
  return { safe, states: safe ? 412 : 389, transitions: safe ? 1530 : 1377, trace, scenario: 'allocation-reuse', cpus: 3, ...extra };
}

const POPULATE_EVIDENCE: Evidence[] = [
  {
    class: 'deferred-allocation-flush',
    steps: [
      { file: 'xen/common/memory.c', line: 263, function: 'populate_physmap', message: 'sets MEMF_no_tlbflush in a->memflags' },
      { file: 'xen/common/memory.c', line: 283, function: 'populate_physmap', message: 'accumulate_tlbflush() collects the newest stamp of the reused pages' },
      { file: 'xen/common/memory.c', line: 293, function: 'populate_physmap', message: 'flushes at out: through filtered_flush_tlb_mask(…, false)' },
    ],
  },
];

/** What the later stages will say about each call site of the sample thread, by site text and side. */
function enrich(site: Site): Site {
  if (site.kind !== 'call' || site.change === 'removed') return site;
  const key = `${site.file}:${site.text}`;
  switch (key) {
    case 'xen/common/memory.c:filtered_flush_tlb_mask(tlbflush_timestamp, false)':
      return {
        ...site,
        classes: ['allocation', 'deferred-allocation-flush'],
        evidence: POPULATE_EVIDENCE,
        arch: {
          x86: x86({
            mechanism: 'assisted-possible',
            source: 'patch:xen/include/xen/mm.h:648',
            expansion: ['filtered_flush_tlb_mask(ts, false)', 'flush_tlb_mask(&mask)', 'flush_mask(&mask, FLUSH_TLB)'],
            notes: ['sync is false on this path'],
            verdict: 'missing-forced-ipi',
            sim: sim(false, ALLOCATION_TRACE, { property: 'P1' }),
          }),
          arm: x86({ mechanism: 'broadcast', source: 'patch:xen/include/asm-arm/flushtlb.h:29', notes: ['flush_tlb_mask_ipi is an alias of flush_tlb_mask'], verdict: 'ok', sim: sim(true) }),
        },
      };
    case 'xen/common/page_alloc.c:filtered_flush_tlb_mask(tlbflush_timestamp, true)':
      return {
        ...site,
        classes: ['allocation'],
        arch: {
          x86: x86({ mechanism: 'forced-ipi', source: 'patch:xen/include/xen/mm.h:646', verdict: 'ok', sim: sim(true) }),
          arm: x86({ mechanism: 'broadcast', verdict: 'ok', sim: sim(true) }),
        },
      };
    case 'xen/arch/x86/mm.c:flush_tlb_mask_ipi(mask)':
      return {
        ...site,
        classes: ['page-type-change'],
        arch: {
          x86: x86({ mechanism: 'forced-ipi', source: 'patch:xen/include/asm-x86/flushtlb.h:145', verdict: 'ok', sim: sim(true, [], { scenario: 'page-type-change' }) }),
          arm: x86({ mechanism: 'broadcast', verdict: 'ok', sim: sim(true, [], { scenario: 'page-type-change' }) }),
        },
      };
    case 'xen/arch/x86/mm.c:flush_tlb_mask(mask)':
      return {
        ...site,
        classes: ['other'],
        arch: {
          x86: x86({ mechanism: 'assisted-possible', source: 'xen/include/asm-x86/flushtlb.h:142', verdict: 'ok', sim: sim(true, [], { scenario: 'other' }) }),
          arm: x86({ mechanism: 'broadcast', verdict: 'ok', sim: sim(true, [], { scenario: 'other' }) }),
        },
      };
    default:
      return site;
  }
}

/** The sample thread as the full pipeline should see it: FC001 at memory.c:293 on x86, with evidence and trace. */
export function sampleRun(): RunResult {
  const run = sampleReview();
  run.sites = run.sites.map(enrich);
  run.findings = runRules(run);
  return run;
}

/** Any reviewed patch text with every call site on `line` given a missing-forced-ipi verdict on x86. */
export function runWithFindingAt(name: string, text: string, lines: readonly number[]): RunResult {
  const run = reviewText(name, text);
  run.sites = run.sites.map((site) =>
    site.kind === 'call' && lines.includes(site.line)
      ? {
          ...site,
          classes: ['allocation'],
          evidence: [
            { class: 'allocation', steps: [{ file: site.file, line: site.line, function: site.function, message: `reached from ${site.text} guarded by ${site.guards.join(' && ') || 'nothing'}` }] },
          ],
          arch: {
            x86: x86({
              mechanism: 'assisted-possible',
              source: `patch:${site.file}:${site.line}`,
              notes: [site.text],
              verdict: 'missing-forced-ipi',
              sim: sim(
                false,
                ALLOCATION_TRACE.map((s) => ({ ...s, action: `${s.action} ${site.text}` })),
                { property: 'P1' },
              ),
            }),
            arm: x86({ mechanism: 'broadcast', verdict: 'ok' }),
          },
        }
      : site,
  );
  run.findings = runRules(run);
  return run;
}
