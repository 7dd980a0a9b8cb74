import { createRequire } from 'node:module';
import type { DecodedMail } from '../types.js';
import { bodyLineOf, carriesPatch, splitMail, type RawMail } from './mail.js';

/*
 * MIME decoding by postal-mime (multipart, base64, quoted-printable, charsets,
 * RFC 2047 words), done before the synchronous read: the library is async only.
 * mail.ts keeps the framing and decides which decoded part is a patch.
 */

/** Nesting a patch mail never needs; deeper input is refused, not walked. */
const MAX_NESTING = 32;

type PostalMimeLibrary = typeof import('postal-mime');

/**
 * The messages of a mail input, decoded; undefined when the text is not mail.
 * `latin1`: the text was read from non-UTF-8 bytes as Latin-1, so the library
 * gets those bytes back and applies each part's declared charset to them.
 */
export async function decodeMail(text: string, latin1 = false): Promise<DecodedMail[] | undefined> {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const mail = splitMail(lines);
  if (!mail) return undefined;
  // Loaded only for mail: a plain diff never pays for loading the library.
  // Its CommonJS build, as for ajv and cli-progress: the CLI bundle is CommonJS too (bin/flushcheck.js).
  const library = createRequire(import.meta.url)('postal-mime') as PostalMimeLibrary;
  const out: DecodedMail[] = [];
  for (const raw of mail.messages) out.push(await decodeMessage(library, raw, latin1));
  return out;
}

async function decodeMessage({ default: PostalMime, decodeWords }: PostalMimeLibrary, raw: RawMail, latin1: boolean): Promise<DecodedMail> {
  const frame = { startLine: raw.start, bodyLine: bodyLineOf(raw), separator: raw.separator };
  try {
    const text = raw.lines.join('\n');
    const email = await PostalMime.parse(latin1 ? Buffer.from(text, 'latin1') : text, { attachmentEncoding: 'arraybuffer', maxNestingDepth: MAX_NESTING });
    // The first of a repeated header, as written (Date is kept as the sender wrote it).
    const header = (key: string): string | undefined => email.headers.find((h) => h.key === key)?.value.trim();
    const headers: DecodedMail['headers'] = {};
    const subject = header('subject');
    if (subject !== undefined) headers.subject = decodeWords(subject);
    const from = header('from');
    if (from) headers.from = decodeWords(from);
    const date = header('date');
    if (date) headers.date = date;
    if (email.messageId) headers.messageId = email.messageId;
    if (email.inReplyTo) headers.inReplyTo = email.inReplyTo;
    if (email.references) headers.references = email.references;
    const body = email.text === undefined ? [] : email.text.split('\n');
    for (const part of email.attachments) {
      const lines = bytesToText(part.content).split('\n');
      if (carriesPatch(part.mimeType, part.filename ?? '', lines)) for (const line of lines) body.push(line);
    }
    return { ...frame, headers, body };
  } catch (error) {
    return { ...frame, headers: {}, body: [], error: `cannot decode the message: ${(error as Error).message}` };
  }
}

/** An attachment's bytes as text: UTF-8, else Latin-1 (a part names no charset the library passes on). */
function bytesToText(content: ArrayBuffer | Uint8Array | string): string {
  if (typeof content === 'string') return content;
  const bytes = content instanceof Uint8Array ? content : new Uint8Array(content);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return Buffer.from(bytes).toString('latin1');
  }
}
