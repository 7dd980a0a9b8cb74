import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/types.js';
import { runCli } from '../helpers/cli.js';

/** A new common file of ours calling the helper common code uses: nothing in view defines it. */
const PATCH = [
  'diff --git a/xen/common/basis-demo.c b/xen/common/basis-demo.c',
  'new file mode 100644',
  '--- /dev/null',
  '+++ b/xen/common/basis-demo.c',
  '@@ -0,0 +1,5 @@',
  '+void basis_demo(struct domain *d)',
  '+{',
  '+    arch_flush_tlb_mask(d->dirty_cpumask);',
  '+}',
  '+',
  '',
].join('\n');

const write = (text: string): string => {
  const file = join(mkdtempSync(join(tmpdir(), 'flushcheck-basis-')), 'p.patch');
  writeFileSync(file, text);
  return file;
};

describe('the model a run rests on is named', () => {
  it('JSON: per site (builtIn) and in settings.model when no tree is given', async () => {
    const out = await runCli(['review', write(PATCH), '--format', 'json', '--fail-on', 'never']);
    const run = JSON.parse(out.stdout) as RunResult;
    const site = run.sites.find((s) => s.api === 'arch_flush_tlb_mask')!;
    expect(site.arch?.x86?.builtIn).toEqual(['arch_flush_tlb_mask', 'flush_area_mask', 'flush_mask']);
    expect(site.arch?.arm?.builtIn).toEqual(['arch_flush_tlb_mask', 'flush_all_guests_tlb']);
    expect(run.settings.model).toEqual({
      from: 'built-in',
      builtIn: ['arm: arch_flush_tlb_mask', 'arm: flush_all_guests_tlb', 'x86: arch_flush_tlb_mask', 'x86: flush_area_mask', 'x86: flush_mask'],
      summary: expect.stringMatching(/^model: read from the patch \(no --tree: the tree's headers were not read\); x86 assisted path: built-in; built-in knowledge of Xen for /),
    });
  });

  it('text: the first line names the model, and each built-in column says so', async () => {
    const out = await runCli(['review', write(PATCH), '--fail-on', 'never']);
    const lines = out.stdout.split('\n');
    expect(lines[0]).toMatch(/^model: read from the patch .*built-in knowledge of Xen for arm: arch_flush_tlb_mask/);
    expect(out.stdout).toMatch(/x86:forced-ipi\/\S+\(built-in\)/);
  });

  it('markdown and SARIF carry the same line', async () => {
    const md = await runCli(['review', write(PATCH), '--format', 'markdown', '--fail-on', 'never']);
    expect(md.stdout).toContain('\nmodel: read from the patch');
    const sarif = await runCli(['review', write(PATCH), '--format', 'sarif', '--fail-on', 'never']);
    const log = JSON.parse(sarif.stdout) as { runs: { properties?: { model?: string } }[] };
    expect(log.runs[0]!.properties?.model).toMatch(/^model: read from the patch/);
  });
});
