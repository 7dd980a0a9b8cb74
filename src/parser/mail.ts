import { appendAll } from '../util/append.js';
import { opensDiff } from './diff.js';
/** Just enough RFC 5322 / MIME to get a patch out of an mbox or an .eml. */

export interface MailMessage {
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

/** Splits an mbox on its `From ` lines. Lines before the first separator are dropped. */
export function splitMbox(lines: readonly string[]): { start: number; lines: string[]; separator: string }[] {
  const out: { start: number; lines: string[]; separator: string }[] = [];
  let current: { start: number; lines: string[]; separator: string } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (MBOX_FROM.test(line) && (i === 0 || lines[i - 1] === '' || FORMAT_PATCH_FROM.test(line)) && looksLikeHeaders(lines, i + 1)) {
      current = { start: i + 2, lines: [], separator: line };
      out.push(current);
      continue;
    }
    current?.lines.push(line);
  }
  return out;
}

/** Parses headers (with folding) and decodes the body of one message. */
export function parseMessage(lines: readonly string[], startLine: number): MailMessage {
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

const PATCH_FILE_NAME = /(?:file)?name\*?="?[^";]*\.(?:patch|diff)"?/i;

/**
 * A part whose text can carry the patch: text, a patch or diff type, a
 * multipart, or (how many mailers send any attachment) another type such as
 * `application/octet-stream` when the file is named `*.patch`/`*.diff` or
 * its decoded text opens a diff. An image or archive stays out.
 */
function holdsText(part: MailMessage): boolean {
  const type = part.headers.get('content-type') ?? 'text/plain';
  if (/^(text\/|application\/(x-)?(patch|diff)|multipart\/)/i.test(type)) return true;
  if (PATCH_FILE_NAME.test(type) || PATCH_FILE_NAME.test(part.headers.get('content-disposition') ?? '')) return true;
  return part.body.some((_, i) => opensDiff(part.body, i));
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
export function decodeHeader(value: string): string {
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
