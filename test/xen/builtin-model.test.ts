import { describe, expect, it } from 'vitest';
import type { Arch, Mechanism } from '../../src/types.js';
import { builtinDefinitions, builtinText } from '../../src/xen/builtin-model.js';
import { parseC } from '../../src/parser/c/tree-sitter.js';
import { modelIn } from '../helpers/model.js';

const HAP_ONLY = { CONFIG_PV: false, CONFIG_SHADOW_PAGING: false, CONFIG_HVM: true };

describe('built-in model of the flush API', () => {
  it.each(['x86', 'arm', 'riscv', 'ppc', 'common'] as const)('%s text parses cleanly', (arch) => {
    expect(parseC(builtinText(arch)).rootNode.hasError).toBe(false);
  });

  it('marks every definition built-in, with its architecture', () => {
    const defs = builtinDefinitions();
    expect(defs.every((d) => d.source === 'built-in' && d.layer === 'built-in')).toBe(true);
    expect(defs.find((d) => d.name === 'flush_area_mask')?.arch).toBe('x86');
    expect(defs.find((d) => d.name === 'filtered_flush_tlb_mask')?.arch).toBe('common');
  });

  it.each([
    ['arch_flush_tlb_mask(m)', 'x86', 'forced-ipi'],
    ['flush_tlb_mask(m)', 'x86', 'assisted-possible'],
    ['flush_mask(m, FLUSH_TLB | FLUSH_FORCE_IPI)', 'x86', 'forced-ipi'],
    ['flush_tlb_one_mask(m, va)', 'x86', 'assisted-possible'],
    ['flush_tlb_all()', 'x86', 'assisted-possible'],
    ['filtered_flush_tlb_mask(stamp)', 'x86', 'forced-ipi'],
    ['arch_flush_tlb_mask(m)', 'arm', 'broadcast'],
    ['flush_tlb_mask(m)', 'arm', 'broadcast'],
    ['filtered_flush_tlb_mask(stamp)', 'arm', 'broadcast'],
    ['arch_flush_tlb_mask(m)', 'riscv', 'firmware'],
    ['arch_flush_tlb_mask(m)', 'ppc', 'not-implemented'],
  ] as [string, Arch, Mechanism][])('%s on %s → %s', (call, arch, mechanism) => {
    const model = modelIn({ files: {}, call, arch });
    expect(model.mechanism).toBe(mechanism);
    // Flags written at the call decide there; otherwise a built-in definition decides.
    expect(model.source).toBe(call.includes('FLUSH_') ? 'patch:caller.c:1' : 'built-in');
  });

  it('says the assisted path came from the built-in model', () => {
    expect(modelIn({ files: {}, call: 'flush_tlb_mask(m)' }).notes).toContain(
      'assisted path: read from the built-in model of flush_area_mask (taken only when running_on_hypervisor() && !(flags & ~(FLUSH_TLB | FLUSH_TLB_GLOBAL | FLUSH_VA_VALID | FLUSH_ORDER_MASK)) && !hypervisor_flush_tlb(mask, va, flags))',
    );
  });

  it('knows the forcing flag is 0 in a HAP-only build', () => {
    const model = modelIn({ files: {}, call: 'arch_flush_tlb_mask(m)', config: HAP_ONLY });
    expect(model.mechanism).toBe('assisted-possible');
    expect(model.notes?.some((n) => n.startsWith('FLUSH_NO_ASSIST is 0 in this build'))).toBe(true);
  });
});
