import { isUtf8 } from 'node:buffer';
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import type { InputSource, Result } from './types.js';
import { failed, ok } from './types.js';
import { decodeMail } from './parser/mime.js';
import { decodeInput } from './parser/read-input.js';

/** Default cap on one input; larger inputs are refused, not truncated. */
export const DEFAULT_MAX_INPUT_BYTES = 256 * 1024 * 1024;

/** Longest line an input may hold. Patches, mail and C have short lines; one
 *  of megabytes is not a patch, and splitting, parsing and quoting it would
 *  cost many times its size. */
export const MAX_LINE_BYTES = 1024 * 1024;

/** The first line longer than `limit` bytes, as its 1-based number, or undefined. */
export function overlongLine(bytes: Uint8Array, limit = MAX_LINE_BYTES): number | undefined {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let line = 1;
  for (let start = 0; start < buffer.length; line++) {
    const end = buffer.indexOf(10, start);
    const stop = end < 0 ? buffer.length : end;
    if (stop - start > limit) return line;
    start = stop + 1;
  }
  return undefined;
}

const lineTooLong = (file: string, line: number): Result<InputSource> => failed({ file, line, code: 'line-too-long', message: `line ${line} is longer than ${MAX_LINE_BYTES} bytes: not a patch` });

const READ_CHUNK = 1024 * 1024;

/**
 * A file's bytes, read in chunks with the line check of `overlongLine` done as
 * they arrive: a file that is one 200 MB line is refused after its first
 * megabytes, not read whole first. `size` is the file's size from stat.
 */
function readFileBounded(name: string, size: number, limit = MAX_LINE_BYTES): { bytes: Buffer } | { longLine: number } {
  const fd = openSync(name, 'r');
  try {
    const bytes = Buffer.allocUnsafe(size);
    let filled = 0;
    let line = 1;
    let lineStart = 0;
    while (filled < size) {
      const n = readSync(fd, bytes, filled, Math.min(READ_CHUNK, size - filled), null);
      if (n === 0) break;
      const read = bytes.subarray(0, filled + n);
      for (let nl = read.indexOf(10, filled); nl >= 0; nl = read.indexOf(10, nl + 1)) {
        if (nl - lineStart > limit) return { longLine: line };
        line++;
        lineStart = nl + 1;
      }
      filled += n;
      // The line so far is already too long, whatever follows.
      if (filled - lineStart > limit) return { longLine: line };
    }
    return { bytes: bytes.subarray(0, filled) };
  } finally {
    closeSync(fd);
  }
}

/** Loads one named input (a path, or `-` for standard input) as text. `stdin` reads at most `limit` bytes. */
export function loadInput(name: string, maxBytes = DEFAULT_MAX_INPUT_BYTES, stdin?: (limit: number) => Buffer): Result<InputSource> {
  let bytes: Buffer;
  try {
    if (name === '-') {
      // One byte over the limit tells an input that is too large; an endless one stops there.
      bytes = stdin ? stdin(maxBytes + 1) : readFileSync(0);
      if (bytes.length > maxBytes) return failed({ file: name, code: 'too-large', message: `input is over the limit of ${maxBytes} bytes (--max-input-bytes); stopped reading there` });
    } else {
      const st = statSync(name);
      if (st.isDirectory()) return failed({ file: name, code: 'is-directory', message: 'is a directory, not a patch file' });
      if (!st.isFile()) return failed({ file: name, code: 'not-a-file', message: 'not a regular file' });
      if (st.size > maxBytes) return failed({ file: name, code: 'too-large', message: `input is ${st.size} bytes, over the limit of ${maxBytes} (--max-input-bytes)` });
      const read = readFileBounded(name, st.size);
      if ('longLine' in read) return lineTooLong(name, read.longLine);
      bytes = read.bytes;
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'read-error';
    const message = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : `cannot read (${code})`;
    return failed({ file: name, code: code.toLowerCase(), message });
  }
  if (bytes.length > maxBytes) return failed({ file: name, code: 'too-large', message: `input is ${bytes.length} bytes, over the limit of ${maxBytes} (--max-input-bytes)` });
  const long = overlongLine(bytes);
  if (long !== undefined) return lineTooLong(name, long);
  const text = decodeInput(name, bytes);
  if (!text.ok) return text;
  return ok({ name, text: text.value, ...(isUtf8(bytes) ? {} : { latin1: true }) });
}

/** An input with its mail messages decoded by the mail library, for the synchronous read (see parser/mime.ts). */
export async function withDecodedMail(source: Result<InputSource>): Promise<Result<InputSource>> {
  if (!source.ok) return source;
  const mail = await decodeMail(source.value.text, source.value.latin1 === true);
  return mail ? ok({ ...source.value, mail }) : source;
}
