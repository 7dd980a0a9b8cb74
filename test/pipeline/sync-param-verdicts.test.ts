import MarkdownIt from 'markdown-it';
import { describe, expect, it } from 'vitest';
import type { Arch, RunResult, Site } from '../../src/types.js';
import { FORMAT_NAMES } from '../../src/report/index.js';
import { commentsOutsideDiff, type ReviewPayload } from '../../src/report/github.js';
import { runCli, SAMPLE } from '../helpers/cli.js';

/**
 * Our thread in the seed's shape through the whole pipeline (parse → sites →
 * model → classify → simulate → rules → report), no hand-built stage data:
 * issue 5's and issue 6's Done-when, hermetic. The seed thread itself is
 * pinned the same way in test/system/seed-verdicts.test.ts.
 */
async function sample(...extra: string[]): Promise<{ run: RunResult; code: number }> {
  const out = await runCli(['review', '--format', 'json', ...extra, SAMPLE]);
  expect(out.stderr).toBe('');
  return { run: JSON.parse(out.stdout) as RunResult, code: out.code };
}

function at(run: RunResult, file: string, line: number, api: string): Site {
  const found = run.sites.filter((s) => s.file === file && s.line === line && s.api === api && s.side === 'new' && s.kind === 'call');
  expect(found, `${api} at ${file}:${line}`).toHaveLength(1);
  return found[0]!;
}

const verdict = (site: Site, arch: Arch): string | undefined => site.arch?.[arch]?.verdict;

describe('the sync-parameter thread, end to end', () => {
  it('memory.c: missing-forced-ipi on x86 with a counterexample, no-op on Arm', async () => {
    const { run } = await sample();
    const site = at(run, 'xen/common/memory.c', 293, 'filtered_flush_tlb_mask');
    expect(site.classes).toEqual(['deferred-allocation-flush']);
    expect(site.arch?.x86?.mechanism).toBe('assisted-possible');
    expect(verdict(site, 'x86')).toBe('missing-forced-ipi');
    const sim = site.arch!.x86!.sim!;
    expect(sim.safe).toBe(false);
    expect(sim.property).toBe('P1');
    // The assisted flush completes while the walker still reads the frame, which is then reused.
    const actions = sim.trace.map((s) => `${s.actor}: ${s.action}`).join('\n');
    expect(actions).toMatch(/walker: .*interrupts off/);
    expect(sim.trace.findIndex((s) => /assisted/.test(s.action))).toBeGreaterThan(sim.trace.findIndex((s) => s.actor === 'walker'));
    expect(sim.trace.at(-1)!.actor).toBe('walker');
    expect(site.arch?.arm?.mechanism).toBe('broadcast');
    expect(verdict(site, 'arm')).toBe('no-op');
  });

  it('page_alloc.c (…, true) is ok on x86', async () => {
    const { run } = await sample();
    const site = at(run, 'xen/common/page_alloc.c', 1068, 'filtered_flush_tlb_mask');
    expect(site.classes).toEqual(['allocation']);
    expect(site.arch?.x86?.mechanism).toBe('forced-ipi');
    expect(verdict(site, 'x86')).toBe('ok');
  });

  it('_get_page_type: both branches ok, the else branch shown safe by simulating an assisted flush', async () => {
    const { run } = await sample();
    const forced = at(run, 'xen/arch/x86/mm.c', 2955, 'flush_tlb_mask_ipi');
    expect(forced.classes).toEqual(['page-type-change']);
    expect(verdict(forced, 'x86')).toBe('ok');
    const plain = at(run, 'xen/arch/x86/mm.c', 2957, 'flush_tlb_mask');
    expect(plain.classes).toEqual(['other']);
    expect(plain.arch?.x86?.mechanism).toBe('assisted-possible');
    expect(verdict(plain, 'x86')).toBe('ok');
  });

  it('one error finding, on memory.c; none in alloc_heap_pages or _get_page_type; exit 1', async () => {
    const { run, code } = await sample();
    expect(code).toBe(1);
    expect(run.findings.filter((f) => !f.suppressed).map((f) => `${f.severity} ${f.ruleId} ${f.file}:${f.line} ${f.function} ${f.arch}`)).toEqual([
      'error FC001 xen/common/memory.c:293 populate_physmap x86',
    ]);
  });

  it('in a HAP-only build nothing must be forced: no error', async () => {
    const { run, code } = await sample('--config', 'CONFIG_PV=n,CONFIG_SHADOW_PAGING=n');
    expect(run.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(code).toBe(0);
  });
});

describe('the sync-parameter thread in every format', () => {
  it('renders in every format, deterministically', async () => {
    expect(FORMAT_NAMES).toEqual(['github', 'gitlab', 'json', 'markdown', 'rdjson', 'reply', 'sarif', 'text']);
    for (const format of FORMAT_NAMES) {
      const a = await runCli(['review', '--format', format, SAMPLE]);
      const b = await runCli(['review', '--format', format, SAMPLE]);
      expect(a.code, format).toBe(1);
      expect(a.stdout.length, format).toBeGreaterThan(100);
      expect(b.stdout, format).toBe(a.stdout);
    }
  });

  it('SARIF carries the finding (schema validation: test/system/sarif-schema.test.ts)', async () => {
    const log = JSON.parse((await runCli(['review', '--format', 'sarif', SAMPLE])).stdout) as { runs: { results: { ruleId: string }[] }[] };
    expect(log.runs.flatMap((r) => r.results.map((x) => x.ruleId))).toEqual(['FC001']);
  });

  it('the GitHub review comments only on lines the diff shows', async () => {
    const { run } = await sample();
    const payload = JSON.parse((await runCli(['review', '--format', 'github', SAMPLE])).stdout) as ReviewPayload;
    expect(payload.comments.map((c) => [c.path, c.line, c.side])).toEqual([['xen/common/memory.c', 293, 'RIGHT']]);
    expect(commentsOutsideDiff(payload, run)).toEqual([]);
  });

  it('the Markdown comment renders with the table, a section per finding and the Mermaid counterexample', async () => {
    const md = (await runCli(['review', '--format', 'markdown', SAMPLE])).stdout;
    const html = new MarkdownIt({ html: true }).render(md);
    expect(html).toContain('<table>');
    expect(html.match(/<details>/g)).toHaveLength(1);
    expect(html).toMatch(/<pre><code class="language-mermaid">sequenceDiagram/);
  });
});
