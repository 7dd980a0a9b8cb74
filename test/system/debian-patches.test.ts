import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { debianPatches } from '../helpers/xen.js';

/**
 * Real third-party patches as a crash corpus: Debian's patches to its Xen
 * source package (fetched at test time, never committed). None may crash or
 * be refused, and a patch that touches no flush yields no error finding.
 */
describe("Debian's Xen patches", () => {
  const dir = debianPatches();
  const patches = readdirSync(dir)
    .filter((n) => n.endsWith('.patch') || n.endsWith('.diff'))
    .sort();

  it('are there to read', () => {
    expect(patches.length).toBeGreaterThan(10);
  });

  for (const name of patches) {
    it(`reviews ${name}`, async () => {
      const run = await runCli(['review', '--format', 'json', '--fail-on', 'never', join(dir, name)]);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const json = JSON.parse(run.stdout) as { patches: unknown[]; sites: { kind: string }[]; findings: { severity: string }[] };
      expect(json.patches.length).toBeGreaterThanOrEqual(1);
      if (!json.sites.some((s) => s.kind === 'call')) expect(json.findings.filter((f) => f.severity === 'error')).toEqual([]);
    });
  }
});
