import fc from 'fast-check';

/** Lines a Xen hunk might hold, flush-related and not, balanced or not. */
const cLines = [
  '    flush_tlb_mask(mask);',
  '    filtered_flush_tlb_mask(tlbflush_timestamp, true);',
  '    flush_mask(mask, cond ? FLUSH_TLB | FLUSH_NO_ASSIST : FLUSH_TLB);',
  '#define flush_tlb_mask_sync(mask) flush_mask(mask, FLUSH_TLB | FLUSH_FORCE_IPI)',
  '#if defined(CONFIG_PV) || defined(CONFIG_SHADOW_PAGING)',
  '#else',
  '#endif',
  '    if ( need_tlbflush )',
  '    {',
  '    }',
  '}',
  '{',
  'static inline void f(uint32_t ts, bool sync)',
  '    a->memflags |= MEMF_no_tlbflush;',
  ' out:',
  '    goto out;',
  '    /* comment with */ /* two */',
  '/*',
  ' */',
  '    x = "string with { and ( and /*";',
  '((((((((',
  '))))))))',
  '',
];

export const cLine = fc.oneof(fc.constantFrom(...cLines), fc.string({ maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 40 }));

const hunkLine = fc.tuple(fc.constantFrom(' ', '+', '-', ' ', '\\'), cLine).map(([m, l]) => (m === '\\' ? '\\ No newline at end of file' : `${m}${l}`));

/** A hunk whose header counts may or may not match its body. */
export const hunk = fc
  .record({
    start: fc.nat({ max: 5000 }),
    lines: fc.array(hunkLine, { maxLength: 30 }),
    lie: fc.integer({ min: -3, max: 3 }),
    section: fc.constantFrom('', ' static int f(struct page_info *pg, unsigned long type,', ' void g(void)', ' struct x {'),
  })
  .map(({ start, lines, lie, section }) => {
    const old = lines.filter((l) => l[0] === ' ' || l[0] === '-').length;
    const neu = lines.filter((l) => l[0] === ' ' || l[0] === '+').length;
    return [`@@ -${start},${Math.max(0, old + lie)} +${start},${neu} @@${section}`, ...lines].join('\n');
  });

const path = fc.constantFrom('xen/arch/x86/mm.c', 'xen/common/memory.c', 'xen/include/xen/mm.h', '../../etc/passwd', '/abs/x.c', 'a b/c.h', 'x.py');

export const fileDiff = fc
  .record({
    from: path,
    to: path,
    hunks: fc.array(hunk, { minLength: 0, maxLength: 4 }),
    extra: fc.constantFrom(
      '',
      'new file mode 100644',
      'deleted file mode 100644',
      'old mode 100644\nnew mode 100755',
      'similarity index 90%\nrename from a.c\nrename to b.c',
      'Binary files a/x.bin and b/x.bin differ',
    ),
  })
  .map(({ from, to, hunks, extra }) => [`diff --git a/${from} b/${to}`, ...(extra ? [extra] : []), `--- a/${from}`, `+++ b/${to}`, ...hunks].join('\n'));

export const unifiedDiff = fc.array(fileDiff, { minLength: 1, maxLength: 3 }).map((files) => `${files.join('\n')}\n`);

export const mbox = fc
  .array(fc.record({ subject: fc.string({ maxLength: 50 }), author: fc.string({ maxLength: 30 }), reply: fc.boolean(), diff: unifiedDiff, qp: fc.boolean() }), { minLength: 1, maxLength: 4 })
  .map((messages) =>
    messages
      .map((m, i) =>
        [
          `From ${String(i).padStart(40, '0')} Mon Sep 17 00:00:00 2001`,
          `From: ${m.author}`,
          `Subject: ${m.reply ? 'Re: ' : ''}[PATCH ${i + 1}/${messages.length}] ${m.subject}`,
          ...(m.qp ? ['Content-Transfer-Encoding: quoted-printable'] : []),
          '',
          'Body text.',
          '---',
          m.reply
            ? m.diff
                .split('\n')
                .map((l) => `> ${l}`)
                .join('\n')
            : m.diff,
          '-- ',
          '2.43.0',
          '',
        ].join('\n'),
      )
      .join('\n'),
  );

/** Byte-level mutations of a valid input. */
export const mutation = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ kind: fc.constant('delete-line' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ kind: fc.constant('duplicate-line' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), bytes: fc.uint8Array({ maxLength: 16 }) }),
  fc.record({ kind: fc.constant('crlf' as const) }),
  fc.record({ kind: fc.constant('huge-line' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), n: fc.integer({ min: 1000, max: 200_000 }) }),
  fc.record({ kind: fc.constant('nest' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), depth: fc.integer({ min: 10, max: 3000 }) }),
);

export interface Mutation {
  kind: string;
  at?: number;
  bytes?: Uint8Array;
  n?: number;
  depth?: number;
}

export function mutate(input: Buffer, m: Mutation): Buffer {
  const pos = (at = 0): number => Math.floor(at * input.length);
  const lineBounds = (at = 0): [number, number] => {
    const p = pos(at);
    const start = input.lastIndexOf(10, p - 1) + 1;
    const end = input.indexOf(10, p);
    return [start, end < 0 ? input.length : end + 1];
  };
  switch (m.kind) {
    case 'truncate':
      return input.subarray(0, pos(m.at));
    case 'delete-line': {
      const [s, e] = lineBounds(m.at);
      return Buffer.concat([input.subarray(0, s), input.subarray(e)]);
    }
    case 'duplicate-line': {
      const [s, e] = lineBounds(m.at);
      return Buffer.concat([input.subarray(0, e), input.subarray(s, e), input.subarray(e)]);
    }
    case 'insert':
      return Buffer.concat([input.subarray(0, pos(m.at)), Buffer.from(m.bytes ?? []), input.subarray(pos(m.at))]);
    case 'crlf':
      return Buffer.from(input.toString('latin1').replace(/\n/g, '\r\n'), 'latin1');
    case 'huge-line': {
      const [s] = lineBounds(m.at);
      return Buffer.concat([input.subarray(0, s), Buffer.from(`+${'x a/ ('.repeat(Math.ceil((m.n ?? 1) / 6))}\n`), input.subarray(s)]);
    }
    case 'nest': {
      const [s] = lineBounds(m.at);
      const d = m.depth ?? 10;
      return Buffer.concat([input.subarray(0, s), Buffer.from(`+${'{ if ( ('.repeat(d)}flush_tlb_mask(m);${') ) }'.repeat(d)}\n`), input.subarray(s)]);
    }
  }
  return input;
}
