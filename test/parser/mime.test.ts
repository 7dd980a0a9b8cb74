import fc from 'fast-check';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { splitMail, type RawMail } from '../../src/parser/mail.js';
import { decodeMail, decodeMessage, decodePlainMessage } from '../../src/parser/mime.js';
import { readPatches } from '../../src/parser/read-input.js';
import type { Patch, RunResult } from '../../src/types.js';
import { readFixture, runCli } from '../helpers/cli.js';

// MIME decoding by the mail library (parser/mime.ts), handed to the synchronous read.

const DIFF = [
  'diff --git a/xen/common/memory.c b/xen/common/memory.c',
  '--- a/xen/common/memory.c',
  '+++ b/xen/common/memory.c',
  '@@ -10,3 +10,4 @@ static void drop_runs(struct domain *d)',
  '     spin_lock(&d->page_alloc_lock);',
  '+    flush_tlb_mask(d->dirty_cpumask);',
  '     spin_unlock(&d->page_alloc_lock);',
  '',
].join('\n');

async function read(name: string, text: string) {
  const mail = await decodeMail(text);
  return { mail, read: readPatches(name, text, 0, mail) };
}

const shape = (patches: readonly Patch[]) => patches.map((p) => ({ meta: p.meta, files: p.files.map((f) => ({ path: f.newPath, hunks: f.hunks.map((h) => h.lines) })) }));

function message(headers: string[], body: string): string {
  return [...headers, '', body].join('\n');
}

describe('decodeMail', () => {
  it.each(['mbox-thread.mbox', 'quoted-printable.mbox', 'attachment.eml', 'octet-stream.eml', 'octet-stream-qp.eml', 'format-patch.patch', 'series.patch'])(
    '%s: the library gives the patches the minimal decoder gives',
    async (name) => {
      const text = readFixture('forms', name);
      const { mail, read: decoded } = await read(name, text);
      expect(mail?.length).toBeGreaterThan(0);
      const plain = readPatches(name, text, 0);
      expect(decoded.ok && plain.ok).toBe(true);
      if (!decoded.ok || !plain.ok) return;
      expect(decoded.value.form).toBe(plain.value.form);
      expect(shape(decoded.value.patches)).toEqual(shape(plain.value.patches));
      expect(decoded.value.patches.length).toBeGreaterThan(0);
    },
  );

  it('is undefined for a plain diff and a web thread', async () => {
    expect(await decodeMail(DIFF)).toBeUndefined();
    expect(await decodeMail(readFixture('forms', 'web-thread.txt'))).toBeUndefined();
  });

  it('finds a base64 diff in a nested multipart, and decodes Latin-1 headers and In-Reply-To', async () => {
    const inner = [
      '--in',
      'Content-Type: text/plain; charset=iso-8859-1',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'Gr=FC=DFe,',
      '--in',
      'Content-Type: text/x-diff',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from(DIFF).toString('base64'),
      '--in--',
    ].join('\n');
    const text = message(
      [
        'From: =?iso-8859-1?q?J=FCrgen?= <j@example.org>',
        'Subject: =?iso-8859-1?q?=5BPATCH_v2_3/5=5D_m=FCll?=',
        'Date: Mon, 4 Mar 2024 10:00:00 +0100',
        'Message-ID: <x@y>',
        'In-Reply-To: <cover@y>',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="out"',
      ],
      ['--out', 'Content-Type: multipart/alternative; boundary="in"', '', inner, '--out--'].join('\n'),
    );
    const { mail, read: r } = await read('nested.eml', text);
    expect(mail![0]!.headers).toMatchObject({ from: 'Jürgen <j@example.org>', inReplyTo: '<cover@y>' });
    expect(mail![0]!.body).toContain('Grüße,');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.patches[0]!.meta).toMatchObject({ subject: '[PATCH v2 3/5] müll', author: 'Jürgen <j@example.org>', series: { version: 2, number: 3, total: 5 }, messageId: 'x@y' });
    expect(r.value.patches[0]!.files[0]!.hunks[0]!.lines.filter((l) => l.change === 'added').map((l) => l.text.trim())).toEqual([expect.stringContaining('flush_tlb_mask(d->dirty_cpumask);')]);
  });

  it('leaves out an attachment that is neither text nor a diff', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]).toString('base64');
    const text = message(
      ['From: a@example.org', 'Subject: [PATCH] x', 'Content-Type: multipart/mixed; boundary=b'],
      ['--b', 'Content-Type: text/plain', '', DIFF, '--b', 'Content-Type: application/octet-stream; name=shot.png', 'Content-Transfer-Encoding: base64', '', png, '--b--'].join('\n'),
    );
    const { mail } = await read('png.eml', text);
    expect(mail![0]!.body.join('\n')).not.toMatch(/PNG/);
  });

  it('unquotes mboxrd `>From ` lines', async () => {
    const text = ['From a@example.org Mon Mar  4 10:00:00 2024', 'From: a@example.org', 'Subject: [PATCH] x', '', '>From the start, flush.', DIFF].join('\n');
    const { mail } = await read('x.mbox', text);
    expect(mail![0]!.body[0]).toBe('From the start, flush.');
  });

  it('a message nested past the limit is one error with its line; the other messages are kept', async () => {
    let body = DIFF;
    for (let depth = 40; depth > 0; depth--) body = [`--b${depth}`, `Content-Type: multipart/mixed; boundary=b${depth + 1}`, '', body, `--b${depth}--`].join('\n');
    const deep = message(['From: m@evil.example', 'Subject: [PATCH 1/2] deep', 'Content-Type: multipart/mixed; boundary=b1'], body);
    const good = message(['From: a@example.org', 'Subject: [PATCH 2/2] fine'], DIFF);
    const text = ['From m@evil.example Mon Mar  4 10:00:00 2024', deep, '', 'From a@example.org Mon Mar  4 10:00:01 2024', good].join('\n');
    const { read: r } = await read('deep.mbox', text);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.patches.map((p) => p.meta.subject)).toEqual(['[PATCH 2/2] fine']);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ file: 'deep.mbox', line: 2, code: 'bad-mail' });
    expect(r.errors[0]!.message).toMatch(/nesting/i);
  });

  it('through the CLI: broken mail is one line naming file and place, exit 2', async () => {
    let body = DIFF;
    for (let depth = 40; depth > 0; depth--) body = [`--b${depth}`, `Content-Type: multipart/mixed; boundary=b${depth + 1}`, '', body, `--b${depth}--`].join('\n');
    const run = await runCli(['review', '--format', 'json', '-'], { stdin: message(['From: m@evil.example', 'Subject: [PATCH] deep', 'Content-Type: multipart/mixed; boundary=b1'], body) });
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^flushcheck: -:1: .*nesting/i);
  });

  it('an 8-bit Latin-1 mail (not UTF-8) is decoded by its declared charset', async () => {
    const text = message(
      ['From: a@example.org', 'Subject: [PATCH] x', 'Content-Type: text/plain; charset=iso-8859-1', 'Content-Transfer-Encoding: 8bit'],
      DIFF.replace('spin_lock(', 'spin_lock(/* J\u00fcrgen */'),
    );
    const run = await runCli(['review', '--format', 'json', '--fail-on', 'never', '-'], { stdin: Buffer.from(text, 'latin1') });
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as RunResult;
    expect(JSON.stringify(result.patches[0]!.files)).toContain('J\u00fcrgen');
    expect(JSON.stringify(result.patches[0]!.files)).not.toContain('\u00c3');
  });

  it('survives malformed MIME: unterminated parts, broken base64, missing boundaries', async () => {
    const inputs = [
      message(['From: a@x', 'Subject: [PATCH] x', 'Content-Type: multipart/mixed; boundary=q'], `--q\nContent-Transfer-Encoding: base64\n\n!!!not base64***\n${DIFF}`),
      message(['From: a@x', 'Subject: [PATCH] x', 'Content-Type: multipart/mixed'], DIFF),
      message(['From: a@x', 'Subject: =?x-unknown?b?####?=', 'Content-Transfer-Encoding: quoted-printable'], `=ZZ=\n${DIFF}`),
    ];
    for (const text of inputs) {
      const { read: r } = await read('bad.eml', text);
      expect(typeof r.ok).toBe('boolean');
    }
  });
});

describe('a plain message, decoded without the library reading its body', () => {
  const library = createRequire(import.meta.url)('postal-mime') as Parameters<typeof decodeMessage>[0];
  const raw = (text: string): RawMail => ({ start: 1, lines: text.split('\n'), separator: '' });

  /** The fast decoding, when it applies, is the library's decoding of the whole message. */
  async function agrees(text: string, latin1 = false): Promise<boolean> {
    const fast = await decodePlainMessage(library, raw(text), latin1);
    if (fast === undefined) return false;
    expect(fast, JSON.stringify(text)).toEqual(await decodeMessage(library, raw(text), latin1));
    return true;
  }

  it('gives what the library gives, for every message of our mail fixtures', async () => {
    let fast = 0;
    for (const name of ['mbox-thread.mbox', 'quoted-printable.mbox', 'attachment.eml', 'octet-stream.eml', 'octet-stream-qp.eml', 'format-patch.patch', 'series.patch', 'preimage.patch']) {
      const lines = readFixture('forms', name).split('\n');
      if (lines[lines.length - 1] === '') lines.pop();
      for (const message of splitMail(lines)!.messages) if (await agrees(message.lines.join('\n'))) fast++;
    }
    expect(fast).toBeGreaterThan(5);
  });

  it('gives what the library gives, or leaves the message to it (generated headers and bodies)', async () => {
    const header = fc.constantFrom(
      'From: Tomasz Kowalczyk <tomasz@example.org>',
      'From: =?UTF-8?q?Roger=20Pau=20Monn=C3=A9?= <roger@example.org>',
      'Subject: [PATCH v2 3/7] x86/mm: flush',
      'Subject: [PATCH] a subject\n folded over two lines',
      'Subject: =?utf-8?b?w6lsw6l2ZQ==?=',
      'Date: Wed, 19 Sep 2018 16:53:22 +0100',
      'Message-ID: <20180919.1@example.org>',
      'In-Reply-To: <20180918.7@example.org>',
      'References: <a@example.org>\n\t<b@example.org>',
      'MIME-Version: 1.0',
      'Content-Type: text/plain',
      'Content-Type: text/plain; charset=UTF-8',
      'Content-Type: text/plain; charset="us-ascii"',
      'Content-Type: text/plain; charset=iso-8859-1',
      'Content-Type: text/plain; format=flowed',
      'Content-Type: text/html',
      'Content-Transfer-Encoding: 8bit',
      'Content-Transfer-Encoding: 7bit',
      'Content-Transfer-Encoding: quoted-printable',
      'Content-Transfer-Encoding: base64',
    );
    const bodyLine = fc.constantFrom(
      '',
      ' ',
      '---',
      '+    flush_tlb_mask(d->dirty_cpumask);',
      'Signed-off-by: Roger Pau Monné <roger@example.org>',
      'a=3Db ',
      'trailing spaces   ',
      'x\ry',
      '\t-- tab',
      '>From quoted',
      'Zm9v',
      'FS = "\x01" \u2028',
    );
    let fast = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(header, { minLength: 1, maxLength: 8 }), fc.array(bodyLine, { maxLength: 12 }), fc.constantFrom(0, 1, 2), async (headers, body, trailing) => {
        if (await agrees([...headers, '', ...body, ...Array(trailing).fill('')].join('\n'))) fast++;
      }),
      { numRuns: 600 },
    );
    expect(fast).toBeGreaterThan(50);
  });

  it('leaves a Latin-1 input, a message without a body and a carriage return to the library', async () => {
    expect(await decodePlainMessage(library, raw('Subject: x\n\nbody'), true)).toBeUndefined();
    expect(await decodePlainMessage(library, raw('Subject: x'), false)).toBeUndefined();
    expect(await decodePlainMessage(library, raw('Subject: x\n\nline\r\n'), false)).toBeUndefined();
    expect(await decodePlainMessage(library, raw('Subject: x\n\nbody'), false)).toEqual(await decodeMessage(library, raw('Subject: x\n\nbody'), false));
  });
});
