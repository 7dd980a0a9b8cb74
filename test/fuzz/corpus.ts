import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../helpers/cli.js';

/** Every patch-like file under fixtures/ and examples/, as bytes: seeds for mutation. */
export function fixtureBytes(): Buffer[] {
  const out: Buffer[] = [];
  const walk = (dir: string): void => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(dir, name);
      const st = statSync(path);
      if (st.isDirectory()) walk(path);
      else if (/\.(patch|diff|mbox|eml|txt)$/.test(name) && st.size < 1 << 20) out.push(readFileSync(path));
    }
  };
  walk(join(REPO, 'fixtures'));
  walk(join(REPO, 'examples'));
  return out;
}
