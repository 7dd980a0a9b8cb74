import type { DecodedMail } from '../types.js';
import { appendAll } from '../util/append.js';
import { opensDiff } from './diff.js';
/**
 * Mail framing (mbox splitting, which message part is a patch, `[PATCH v2 3/7]`
 * subjects). MIME decoding is the mail library's (mime.ts); the minimal decoder
 * below serves only callers that read synchronously (fixture tests).
 */

interface MailMessage {
  headers: Map<string, string>;
  /** Decoded body lines. */
  body: string[];
  /** 1-based input line of the body's first line (approximate after decoding). */
  bodyLine: number;
  /** 1-based input line where the message starts. */
  startLine: number;
}

/** `From <anything> <date>` separates messages in an mbox. */
export const MBOX_FROM = /^From \S+ +\S.*$/;
/** format-patch's fixed separator date. */
export const FORMAT_PATCH_FROM = /^From [0-9a-f]{40} Mon Sep 17 00:00:00 2001$/;
const HEADER = /^([!-9;-~]+):[ \t]?(.*)$/;

export function looksLikeHeaders(lines: readonly string[], at = 0): boolean {
  let seen = 0;
  for (let i = at; i < lines.length && i < at + 40; i++) {
    const line = lines[i]!;
    if (line === '') return seen > 0;
    if (/^[ \t]/.test(line) && seen > 0) continue;
    const m = HEADER.exec(line);
    if (!m) return false;
    if (/^(from|subject|date|message-id|to|cc|return-path|received|mime-version|content-type|in-reply-to|references|x-[a-z-]+)$/i.test(m[1]!)) seen++;
  }
  return seen > 0;
}

/** One message of an input as it is written: its lines, 1-based first line, and the mbox `From ` line before it. */
export interface RawMail {
  start: number;
  lines: string[];
  separator: string;
}

/** Splits an mbox on its `From ` lines, unquoting mboxrd's `>From `. Lines before the first separator are dropped. */
export function splitMbox(lines: readonly string[]): RawMail[] {
  const out: RawMail[] = [];
  let current: RawMail | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (MBOX_FROM.test(line) && (i === 0 || lines[i - 1] === '' || FORMAT_PATCH_FROM.test(line)) && looksLikeHeaders(lines, i + 1)) {
      current = { start: i + 2, lines: [], separator: line };
      out.push(current);
      continue;
    }
    current?.lines.push(QUOTED_FROM.test(line) ? line.slice(1) : line);
  }
  return out;
}

const QUOTED_FROM = /^>+From /;

/** The messages of a mail input (an mbox, a format-patch series, one message), or undefined for any other form. */
export function splitMail(lines: readonly string[]): { mbox: boolean; messages: RawMail[] } | undefined {
  const first = lines.findIndex((l) => l.trim() !== '');
  if (first < 0) return undefined;
  if (MBOX_FROM.test(lines[first]!) && looksLikeHeaders(lines, first + 1)) {
    return { mbox: true, messages: splitMbox(lines.slice(first)).map((m) => ({ ...m, start: m.start + first })) };
  }
  if (looksLikeHeaders(lines, first)) return { mbox: false, messages: [{ start: first + 1, lines: lines.slice(first), separator: '' }] };
  return undefined;
}

/** 1-based input line of a raw message's body: after the first empty line. */
export function bodyLineOf(raw: RawMail): number {
  const blank = raw.lines.indexOf('');
  return raw.start + (blank < 0 ? raw.lines.length : blank + 1);
}

/** The synchronous fallback: a message decoded by the minimal decoder of this file. */
export function decodeMailSync(raw: RawMail): DecodedMail {
  const mail = parseMessage(raw.lines, raw.start);
  const headers: DecodedMail['headers'] = {};
  const subject = mail.headers.get('subject');
  if (subject !== undefined) headers.subject = decodeHeader(subject);
  const from = mail.headers.get('from');
  if (from) headers.from = decodeHeader(from);
  const date = mail.headers.get('date');
  if (date) headers.date = date;
  const messageId = mail.headers.get('message-id');
  if (messageId) headers.messageId = messageId;
  return { startLine: raw.start, bodyLine: mail.bodyLine, separator: raw.separator, headers, body: mail.body };
}

/**
 * Whether a decoded part can carry the patch: text, a patch or diff type, or
 * (how many mailers send any attachment) another type such as
 * `application/octet-stream` when the file is named `*.patch`/`*.diff` or its
 * decoded text opens a diff. An image or archive stays out.
 */
export function carriesPatch(mimeType: string, fileName: string, lines: readonly string[]): boolean {
  if (/^(text\/|application\/(x-)?(patch|diff)|multipart\/)/i.test(mimeType)) return true;
  if (/\.(?:patch|diff)$/i.test(fileName)) return true;
  return lines.some((_, i) => opensDiff(lines, i));
}

/** Parses headers (with folding) and decodes the body of one message. */
function parseMessage(lines: readonly string[], startLine: number): MailMessage {
  const headers = new Map<string, string>();
  let i = 0;
  let last: string | undefined;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') {
      i++;
      break;
    }
    if (/^[ \t]/.test(line) && last) {
      headers.set(last, `${headers.get(last)} ${line.trim()}`);
      continue;
    }
    const m = HEADER.exec(line);
    if (!m) break;
    last = m[1]!.toLowerCase();
    if (!headers.has(last)) headers.set(last, m[2]!.trim());
  }
  const bodyLine = startLine + i;
  const body = decodeBody(headers, lines.slice(i));
  return { headers, body, bodyLine, startLine };
}

function decodeBody(headers: Map<string, string>, lines: string[]): string[] {
  const type = headers.get('content-type') ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (/^multipart\//i.test(type) && boundary) {
    const out: string[] = [];
    const parts = splitParts(lines, boundary);
    for (const part of parts) {
      const sub = parseMessage(part, 0);
      if (holdsText(sub)) appendAll(out, sub.body);
    }
    return out;
  }
  const encoding = (headers.get('content-transfer-encoding') ?? '').toLowerCase();
  const charset = /charset="?([^";]+)"?/i.exec(type)?.[1];
  if (encoding === 'quoted-printable') return decodeBytes(decodeQuotedPrintable(lines), charset).split('\n');
  if (encoding === 'base64') return decodeBytes(Buffer.from(lines.join(''), 'base64'), charset).split('\n');
  return lines;
}

const PATCH_FILE_NAME = /(?:file)?name\*?="?([^";]*\.(?:patch|diff))"?/i;

function holdsText(part: MailMessage): boolean {
  const type = part.headers.get('content-type') ?? 'text/plain';
  const name = PATCH_FILE_NAME.exec(type)?.[1] ?? PATCH_FILE_NAME.exec(part.headers.get('content-disposition') ?? '')?.[1] ?? '';
  return carriesPatch(type, name, part.body);
}

function splitParts(lines: string[], boundary: string): string[][] {
  const parts: string[][] = [];
  let current: string[] | undefined;
  for (const line of lines) {
    if (line === `--${boundary}--`) break;
    if (line === `--${boundary}`) {
      current = [];
      parts.push(current);
      continue;
    }
    current?.push(line);
  }
  return parts;
}

function decodeQuotedPrintable(lines: string[]): Buffer {
  const bytes: number[] = [];
  for (let l = 0; l < lines.length; l++) {
    let line = lines[l]!;
    let soft = false;
    if (line.endsWith('=')) {
      soft = true;
      line = line.slice(0, -1);
    }
    for (let i = 0; i < line.length; i++) {
      const c = line[i]!;
      const hex = line.slice(i + 1, i + 3);
      if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
        bytes.push(parseInt(hex, 16));
        i += 2;
      } else {
        for (const b of Buffer.from(c, 'utf8')) bytes.push(b);
      }
    }
    if (!soft && l < lines.length - 1) bytes.push(10);
  }
  return Buffer.from(bytes);
}

function decodeBytes(bytes: Buffer, charset: string | undefined): string {
  const label = (charset ?? 'utf-8').toLowerCase();
  try {
    return new TextDecoder(label === 'us-ascii' ? 'utf-8' : label).decode(bytes);
  } catch {
    return bytes.toString('latin1');
  }
}

/** RFC 2047 encoded words: `=?UTF-8?q?Monn=C3=A9?=`. */
function decodeHeader(value: string): string {
  return value.replace(/\?=\s+=\?/g, '?==?').replace(/=\?([^?]+)\?([qQbB])\?([^?]*)\?=/g, (_, charset: string, enc: string, text: string) => {
    const bytes = enc.toLowerCase() === 'b' ? Buffer.from(text, 'base64') : decodeQuotedPrintable([text.replace(/_/g, ' ')]);
    return decodeBytes(bytes, charset);
  });
}

/** `[PATCH v2 3/7] x86: foo` → the subject as written (tag kept, white space folded) and the series data `{ version: 2, number: 3, total: 7 }`. */
export function parseSubject(raw: string): { subject: string; series?: { version?: number; number?: number; total?: number } } {
  const subject = raw.replace(/\s+/g, ' ').trim();
  const tag = /^(?:(?:re|fwd?):\s*)*\[([^\]]*)\]/i.exec(subject);
  if (!tag) return { subject };
  const words = tag[1]!;
  const version = /\bv(\d+)\b/i.exec(words)?.[1];
  const nm = /\b(\d+)\/(\d+)\b/.exec(words);
  const series: { version?: number; number?: number; total?: number } = {};
  if (version) series.version = Number(version);
  if (nm) {
    series.number = Number(nm[1]);
    series.total = Number(nm[2]);
  }
  return Object.keys(series).length ? { subject, series } : { subject };
}
