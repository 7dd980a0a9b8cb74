import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { splitMail } from '../../src/parser/mail.js';
import { decodeMessage, decodePlainMessage } from '../../src/parser/mime.js';
import { debianPatches } from '../helpers/xen.js';

// A plain message's body is taken as written, its headers from the mail library (parser/mime.ts):
// checked here on real third-party patch mails.
describe("Debian's patch mails, decoded without the library reading their bodies", () => {
  it('give what the library gives, message for message', async () => {
    const library = createRequire(import.meta.url)('postal-mime') as Parameters<typeof decodeMessage>[0];
    let fast = 0;
    for (const name of readdirSync(debianPatches()).filter((n) => n.endsWith('.patch'))) {
      const lines = readFileSync(join(debianPatches(), name), 'utf8').split('\n');
      if (lines[lines.length - 1] === '') lines.pop();
      for (const message of splitMail(lines)?.messages ?? []) {
        const plain = await decodePlainMessage(library, message, false);
        if (plain === undefined) continue;
        fast++;
        expect(plain, name).toEqual(await decodeMessage(library, message, false));
      }
    }
    expect(fast).toBeGreaterThan(15);
  }, 120_000);
});
