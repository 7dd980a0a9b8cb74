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
  for (const raw of mail.messages) out.push((await decodePlainMessage(library, raw, latin1)) ?? (await decodeMessage(library, raw, latin1)));
  return out;
}

/** A message decoded by the library, whatever its structure. */
export async function decodeMessage(library: PostalMimeLibrary, raw: RawMail, latin1: boolean): Promise<DecodedMail> {
  try {
    const email = await library.default.parse(latin1 ? Buffer.from(raw.lines.join('\n'), 'latin1') : raw.lines.join('\n'), { attachmentEncoding: 'arraybuffer', maxNestingDepth: MAX_NESTING });
    const body = email.text === undefined ? [] : email.text.split('\n');
    for (const part of email.attachments) {
      const lines = bytesToText(part.content).split('\n');
      if (carriesPatch(part.mimeType, part.filename ?? '', lines)) for (const line of lines) body.push(line);
    }
    return { ...frameOf(raw), headers: headersOf(library, email), body };
  } catch (error) {
    return { ...frameOf(raw), headers: {}, body: [], error: `cannot decode the message: ${(error as Error).message}` };
  }
}

/** One text/plain part, as written: no transfer or flowed encoding, in UTF-8 or US-ASCII. */
const PLAIN_TYPE = /^text\/plain\s*(?:;\s*charset="?(utf-8|us-ascii)"?\s*)?$/i;
const UNENCODED = /^(?:7bit|8bit)?$/i;

/**
 * A message that is one plain text part decodes to the body it carries, which
 * the library would give back line for line, a last newline added: the library
 * is given the headers alone. It reads a body a line at a time through
 * promises, ~0.8 ms per KB on a 2-core machine (a 500 KB patch mail took 400
 * ms). Undefined for any other message (MIME structure, an encoding, another
 * charset, a carriage return, a Latin-1 input): the library decodes it whole.
 */
export async function decodePlainMessage(library: PostalMimeLibrary, raw: RawMail, latin1: boolean): Promise<DecodedMail | undefined> {
  const blank = raw.lines.indexOf('');
  if (latin1 || blank < 0) return undefined;
  const head = raw.lines.slice(0, blank);
  // Where the library's header block ends must be where this one does.
  if (head.some((line) => line.includes('\r') || line.trim() === '')) return undefined;
  const text = raw.lines.slice(blank + 1).join('\n');
  if (text.trim() === '' || text.includes('\r')) return undefined;
  try {
    const email = await library.default.parse(`${head.join('\n')}\n\n`, { attachmentEncoding: 'arraybuffer', maxNestingDepth: MAX_NESTING });
    // No Content-Type is text/plain in ASCII.
    const contentType = headerOf(email, 'content-type') ?? 'text/plain';
    if (!PLAIN_TYPE.test(contentType) || !UNENCODED.test(headerOf(email, 'content-transfer-encoding') ?? '')) return undefined;
    // The library reads a body as UTF-8 (which the text was read as), unless it says US-ASCII: then as Windows-1252.
    if (/charset="?us-ascii"?/i.test(contentType) && /[^\p{ASCII}]/u.test(text)) return undefined;
    return { ...frameOf(raw), headers: headersOf(library, email), body: (text.endsWith('\n') ? text : `${text}\n`).split('\n') };
  } catch {
    return undefined;
  }
}

type Email = Awaited<ReturnType<PostalMimeLibrary['default']['parse']>>;

/** The first of a repeated header, as written. */
const headerOf = (email: Email, key: string): string | undefined => email.headers.find((h) => h.key === key)?.value.trim();

/** The headers a patch's report reads (Date is kept as the sender wrote it). */
function headersOf({ decodeWords }: PostalMimeLibrary, email: Email): DecodedMail['headers'] {
  const headers: DecodedMail['headers'] = {};
  const subject = headerOf(email, 'subject');
  if (subject !== undefined) headers.subject = decodeWords(subject);
  const from = headerOf(email, 'from');
  if (from) headers.from = decodeWords(from);
  const date = headerOf(email, 'date');
  if (date) headers.date = date;
  if (email.messageId) headers.messageId = email.messageId;
  if (email.inReplyTo) headers.inReplyTo = email.inReplyTo;
  if (email.references) headers.references = email.references;
  return headers;
}

const frameOf = (raw: RawMail): Pick<DecodedMail, 'startLine' | 'bodyLine' | 'separator'> => ({ startLine: raw.start, bodyLine: bodyLineOf(raw), separator: raw.separator });

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
