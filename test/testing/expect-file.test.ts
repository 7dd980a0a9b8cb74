import { describe, expect, it } from 'vitest';
import { findingLine, formatExpectFile, parseExpectFile } from '../../src/testing/expect-file.js';

describe('.expect files', () => {
  it('reads one finding per line, keeping the comments that head the file', () => {
    const parsed = parseExpectFile(
      'x.expect',
      '# populate_physmap defers its flush\n\nerror  FC001 xen/common/memory.c:281   populate_physmap\n# a note in between\nnote FC004 xen/include/xen/mm.h:653 -\r\n',
    );
    expect(parsed).toEqual({
      ok: true,
      value: {
        header: ['# populate_physmap defers its flush', ''],
        lines: ['error FC001 xen/common/memory.c:281 populate_physmap', 'note FC004 xen/include/xen/mm.h:653 -'],
      },
    });
  });

  it('refuses a line that is not <severity> <ruleId> <file>:<line> <function>, naming file and line', () => {
    for (const bad of ['error FC001 xen/common/memory.c populate_physmap', 'fatal FC001 xen/common/memory.c:1 f', 'error FC001 xen/common/memory.c:1']) {
      const parsed = parseExpectFile('cases/x.expect', `# header\n${bad}\n`);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.error).toMatchObject({ file: 'cases/x.expect', line: 2, code: 'bad-expect-line' });
    }
  });

  it('writes findings sorted, under the kept header', () => {
    const lines = ['warning FC002 b.c:3 g', 'error FC001 a.c:10 f', 'error FC001 a.c:10 f'];
    expect(formatExpectFile(lines, ['# why this case exists', ''])).toBe('# why this case exists\n\nerror FC001 a.c:10 f\nerror FC001 a.c:10 f\nwarning FC002 b.c:3 g\n');
    expect(formatExpectFile([])).toBe('');
  });

  it('renders a file-scope finding with - for its function', () => {
    expect(findingLine({ severity: 'note', ruleId: 'FC004', file: 'xen/include/asm-x86/flushtlb.h', line: 167, function: null })).toBe('note FC004 xen/include/asm-x86/flushtlb.h:167 -');
  });
});
