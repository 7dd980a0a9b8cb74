import { describe, expect, it } from 'vitest';
import type { FileDiff } from '../../src/types.js';
import { eraOfDate, placeEra, XEN_ERAS, XEN_FLUSH_HISTORY } from '../../src/xen/eras.js';

const file = (path: string, lines: string[] = []): FileDiff => ({
  oldPath: path,
  newPath: path,
  status: 'modified',
  notes: [],
  hunks: [{ oldStart: 1, oldLines: 1, newStart: 1, newLines: 1, section: '', inputLine: 1, lines: lines.map((text, i) => ({ change: 'added', newLine: i + 1, text })) }],
});

describe('Xen eras (src/xen/eras.ts)', () => {
  it('dates fall in the era of their month', () => {
    expect(eraOfDate('Tue, 12 Apr 2016 10:00:00 +0100')).toBe('before-assisted');
    expect(eraOfDate('2020-05-10')).toBe('assisted-unforced');
    expect(eraOfDate('Tue, 23 Jun 2020 16:50:06 +0200')).toBe('force-ipi');
    expect(eraOfDate('2024-03-01')).toBe('no-assist');
    expect(eraOfDate('2 weeks ago')).toBeUndefined();
  });

  it('names and paths beat the date; the date beats nothing; nothing is an assumption', () => {
    expect(placeEra([file('xen/common/page_alloc.c', ['    flush_mask(m, FLUSH_TLB | FLUSH_NO_ASSIST);'])], '2016-01-01')).toMatchObject({ era: 'no-assist', from: 'patch' });
    expect(placeEra([file('xen/arch/x86/include/asm/flushtlb.h')], undefined)).toMatchObject({ era: 'no-assist', from: 'patch' });
    expect(placeEra([file('xen/include/asm-x86/flushtlb.h', ['# define FLUSH_FORCE_IPI 0x8000'])], undefined)).toMatchObject({ era: 'force-ipi', from: 'patch' });
    expect(placeEra([file('xen/common/memory.c', ['        arch_flush_tlb_mask(&mask);'])], undefined)).toMatchObject({ era: 'force-ipi', from: 'patch' });
    expect(placeEra([file('xen/include/asm-x86/flushtlb.h')], '2019-02-01')).toMatchObject({ era: 'before-assisted', from: 'date' });
    // The old layout caps a later date at 2022.
    expect(placeEra([file('xen/include/asm-x86/flushtlb.h')], '2023-02-01')).toMatchObject({ era: 'force-ipi', from: 'date' });
    expect(placeEra([file('xen/include/asm-x86/flushtlb.h')], undefined)).toMatchObject({ era: 'force-ipi', from: 'assumed' });
    expect(placeEra([file('xen/common/page_alloc.c')], undefined)).toMatchObject({ era: 'no-assist', from: 'assumed' });
  });

  it('the headers moved (early 2022) before FLUSH_FORCE_IPI was renamed (mid-2022): the window between is the FLUSH_FORCE_IPI era', () => {
    expect(eraOfDate('2022-03-15')).toBe('force-ipi');
    expect(eraOfDate('2022-06-20')).toBe('no-assist');
    expect(placeEra([file('xen/arch/x86/include/asm/flushtlb.h', ['# define FLUSH_FORCE_IPI 0x8000'])], undefined)).toMatchObject({ era: 'force-ipi', from: 'patch' });
    expect(placeEra([file('xen/arch/x86/include/asm/flushtlb.h')], '2022-03-15')).toMatchObject({ era: 'force-ipi', from: 'date' });
    expect(placeEra([file('xen/arch/x86/include/asm/flushtlb.h')], '2019-03-15')).toMatchObject({ era: 'force-ipi', from: 'date' });
    expect(placeEra([file('xen/arch/x86/include/asm/flushtlb.h')], '2024-03-15')).toMatchObject({ era: 'no-assist', from: 'patch' });
    // arch_flush_tlb_mask() exists to this day: it bounds the era from below only.
    expect(placeEra([file('xen/common/memory.c', ['        arch_flush_tlb_mask(&mask);'])], '2024-03-15')).toMatchObject({ era: 'no-assist', from: 'date' });
  });

  it('every era after the assisted path names its own forcing helpers in its fix', () => {
    for (const era of XEN_ERAS) {
      if (era.forcingFlag) expect(era.fix).toContain(era.forcingFlag);
      if (era.id === 'force-ipi') expect(era.fix).not.toContain('FLUSH_NO_ASSIST');
    }
    expect(XEN_FLUSH_HISTORY.map((h) => h.since)).toEqual([...XEN_FLUSH_HISTORY.map((h) => h.since)].sort());
  });
});
