import { createHash } from 'node:crypto';
import type { Arch, Site } from '../types.js';

/**
 * Identity of a finding that survives rebases and v1→v2 of a series: what the
 * site is (file, function, API, its flag arguments) and which rule said it,
 * never its line number.
 */
export function fingerprint(ruleId: string, site: Site, arch?: Arch): string {
  return fingerprintOf([ruleId, site.file, site.function ?? '', site.api, site.kind, (site.args ?? []).slice(1).join(','), site.side, arch ?? '']);
}

/** The hash itself, for findings identified by something other than a site. */
export function fingerprintOf(parts: readonly string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);
}
