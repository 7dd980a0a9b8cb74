import { readFileSync, statSync } from 'node:fs';
import type { InputSource, Result } from './types.js';
import { failed, ok } from './types.js';
import { decodeInput } from './parser/read-input.js';

/** Default cap on one input; larger inputs are refused, not truncated. */
export const DEFAULT_MAX_INPUT_BYTES = 256 * 1024 * 1024;

/** Loads one named input (a path, or `-` for standard input) as text. */
export function loadInput(name: string, maxBytes = DEFAULT_MAX_INPUT_BYTES, stdin?: () => Buffer): Result<InputSource> {
  let bytes: Buffer;
  try {
    if (name === '-') {
      bytes = stdin ? stdin() : readFileSync(0);
    } else {
      const st = statSync(name);
      if (st.isDirectory()) return failed({ file: name, code: 'is-directory', message: 'is a directory, not a patch file' });
      if (!st.isFile()) return failed({ file: name, code: 'not-a-file', message: 'not a regular file' });
      if (st.size > maxBytes) return failed({ file: name, code: 'too-large', message: `input is ${st.size} bytes, over the limit of ${maxBytes} (--max-input-bytes)` });
      bytes = readFileSync(name);
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'read-error';
    const message = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : `cannot read (${code})`;
    return failed({ file: name, code: code.toLowerCase(), message });
  }
  if (bytes.length > maxBytes) return failed({ file: name, code: 'too-large', message: `input is ${bytes.length} bytes, over the limit of ${maxBytes} (--max-input-bytes)` });
  const text = decodeInput(name, bytes);
  return text.ok ? ok({ name, text: text.value }) : text;
}
