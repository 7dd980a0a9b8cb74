import type { DecodedMail, FileDiff, Patch, PatchForm, PatchMeta, ReadInput, Result, ToolError } from '../types.js';
import { failed, ok } from '../types.js';
import { findDiffRegion, opensDiff, parseDiffRegion, type DiffRegion } from './diff.js';
import { decodeMailSync, FORMAT_PATCH_FROM, MBOX_FROM, parseSubject, splitMail } from './mail.js';

/** Bytes to text: UTF-8, falling back to Latin-1 (old mail archives); CRLF folded. */
export function decodeInput(name: string, bytes: Uint8Array): Result<string> {
  const probe = bytes.subarray(0, 65536);
  const nul = probe.indexOf(0);
  if (nul >= 0) {
    const line = 1 + countNewlines(probe.subarray(0, nul));
    return failed({ file: name, line, code: 'binary-input', message: 'binary data (NUL byte), not a patch' });
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    text = Buffer.from(bytes).toString('latin1');
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return ok(text.replace(/\r\n?/g, '\n'));
}

function countNewlines(bytes: Uint8Array): number {
  let n = 0;
  for (const b of bytes) if (b === 10) n++;
  return n;
}

interface Message {
  meta: Omit<PatchMeta, 'index' | 'source' | 'form'>;
  body: string[];
  bodyLine: number;
  isReply: boolean;
  /** Why the message could not be decoded, and the line it starts on. */
  error?: { line: number; message: string };
}

/**
 * Reads one input of any supported form into patches. Messages without an
 * unquoted diff (cover letters, replies) are skipped; a broken message is an
 * error of its own and the others are kept. `mail` is the input's messages
 * decoded by the mail library (mime.ts); without it a minimal decoder serves.
 */
export function readPatches(source: string, text: string, firstIndex: number, mail?: readonly DecodedMail[]): Result<ReadInput> & { errors: ToolError[] } {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.every((l) => l.trim() === '')) {
    return { ...failed({ file: source, line: 1, code: 'empty-input', message: 'empty input, no patch' }), errors: [] };
  }
  const { form, messages } = splitMessages(lines, mail);
  const patches: Patch[] = [];
  const errors: ToolError[] = [];
  const deferred = messages.length > 1;
  for (const message of messages) {
    if (message.error) {
      errors.push({ file: source, line: message.error.line, code: 'bad-mail', message: message.error.message });
      continue;
    }
    const region = findDiffRegion(message.body, message.bodyLine);
    if (!region) continue;
    const parsed = parseDiffRegion(region, source);
    if (parsed.error) {
      errors.push(parsed.error);
      continue;
    }
    if (parsed.files.length === 0) continue;
    const meta: PatchMeta = { index: firstIndex + patches.length, source, form, ...message.meta };
    patches.push(deferred ? new DeferredPatch(meta, region, source) : { meta, files: parsed.files });
  }
  if (patches.length === 0 && errors.length === 0) {
    const subjectOnly = messages.some((m) => m.meta.subject);
    return {
      ...failed({
        file: source,
        line: 1,
        code: 'not-a-patch',
        message: subjectOnly ? `no unified diff in ${messages.length} message(s) (${form})` : 'no unified diff found (not a patch)',
      }),
      errors: [],
    };
  }
  return { ...ok({ source, form, patches }), errors };
}

/**
 * A patch of a series whose files are parsed again from its diff when first
 * read. Reading checks every message up front (errors, patch count), but
 * keeps only the lines: a series of thousands of patches is reviewed one at
 * a time and each let go, so no more than one patch's hunk objects need live
 * at once (a 40 MB series held 250 MB of them from the start).
 */
class DeferredPatch implements Patch {
  private parsed: FileDiff[] | undefined;
  constructor(
    readonly meta: PatchMeta,
    private readonly region: DiffRegion,
    private readonly source: string,
  ) {}
  get files(): FileDiff[] {
    this.parsed ??= parseDiffRegion(this.region, this.source).files;
    return this.parsed;
  }
  set files(files: FileDiff[]) {
    this.parsed = files;
  }
}

function splitMessages(lines: string[], decoded: readonly DecodedMail[] | undefined): { form: PatchForm; messages: Message[] } {
  const first = lines.findIndex((l) => l.trim() !== '');
  const mail = splitMail(lines);
  if (mail) {
    const messages = (decoded ?? mail.messages.map(decodeMailSync)).map(fromMail);
    if (!mail.mbox) return { form: 'format-patch', messages };
    const isFormatPatch = mail.messages.length === 1 && FORMAT_PATCH_FROM.test(lines[first]!);
    const allFormatPatch = lines.filter((l) => MBOX_FROM.test(l)).every((l) => FORMAT_PATCH_FROM.test(l));
    return { form: isFormatPatch || (allFormatPatch && messages.every((m) => !m.isReply)) ? 'format-patch' : 'mbox', messages };
  }
  if (!opensDiff(lines, first) && lines.some((l) => /^Posted by /.test(l))) {
    return { form: 'web-thread', messages: webThreadPosts(lines) };
  }
  return { form: 'unified-diff', messages: [{ meta: {}, body: lines, bodyLine: 1, isReply: false }] };
}

function fromMail(mail: DecodedMail): Message {
  const meta: Message['meta'] = {};
  const { subject, from, date, messageId } = mail.headers;
  if (subject !== undefined) Object.assign(meta, parseSubject(subject));
  if (from) meta.author = from;
  if (date) meta.date = date;
  if (messageId) meta.messageId = messageId.replace(/^<|>$/g, '');
  const commit = /^From ([0-9a-f]{40}) /.exec(mail.separator)?.[1];
  if (commit) meta.commit = commit;
  return { meta, body: mail.body, bodyLine: mail.bodyLine, isReply: /^\s*re:/i.test(meta.subject ?? ''), ...(mail.error ? { error: { line: mail.startLine, message: mail.error } } : {}) };
}

/**
 * The text of a mailing-list archive page: posts headed by a subject line and
 * `Posted by NAME WHEN`. Quoted hunks in replies start with `>` and never
 * open a diff, so only the patch post yields one.
 */
function webThreadPosts(lines: string[]): Message[] {
  const posted: number[] = [];
  lines.forEach((l, i) => {
    if (/^Posted by /.test(l)) posted.push(i);
  });
  const posts: Message[] = [];
  for (let p = 0; p < posted.length; p++) {
    const at = posted[p]!;
    let subjectAt = at - 1;
    while (subjectAt >= 0 && lines[subjectAt]!.trim() === '') subjectAt--;
    const next = posted[p + 1];
    let end = lines.length;
    if (next !== undefined) {
      end = next - 1;
      while (end > at && lines[end - 1]!.trim() === '') end--;
      end--; // the next post's subject line
    }
    const by = /^Posted by (.+?)\s+((?:\d+|an?|one)\s+\w+\s+ago|on .+|\d{4}-\d\d-\d\d.*)?$/.exec(lines[at]!);
    const meta: Message['meta'] = {};
    if (subjectAt >= 0) Object.assign(meta, parseSubject(lines[subjectAt]!));
    if (by) {
      meta.author = by[1]!;
      if (by[2]) meta.date = by[2];
    }
    posts.push({ meta, body: lines.slice(at + 1, Math.max(at + 1, end)), bodyLine: at + 2, isReply: /^re:/i.test(meta.subject ?? '') });
  }
  return posts;
}
