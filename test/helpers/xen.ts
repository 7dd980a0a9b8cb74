import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

let cached: string | undefined;

/** The real Xen 4.17 source tree, fetched once into the cache by scripts/fetch-xen.sh. */
export function xenTree(): string {
  if (cached) return cached;
  const script = join(import.meta.dirname, '..', '..', 'scripts', 'fetch-xen.sh');
  const top = execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  if (!existsSync(join(top, 'xen', 'include', 'xen', 'mm.h'))) throw new Error(`fetch-xen.sh gave ${top}, which holds no Xen tree`);
  cached = top;
  return top;
}

/** Debian's patches for that source: real third-party patches. */
export function debianPatches(): string {
  return join(xenTree(), '..', '..', 'debian', 'debian', 'patches');
}
