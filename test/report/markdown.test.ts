import { describe, expect, it } from 'vitest';
import { markdown, MARKDOWN_MARKER } from '../../src/report/markdown.js';
import { runCli, SAMPLE } from '../helpers/cli.js';
import { sampleReview, sampleRun } from './fixture-run.js';
import { ALLOWED_TAGS, renderMarkdown, tagsIn } from './render-markdown.js';

describe('markdown reporter', () => {
  const run = sampleRun();
  const text = markdown(run, { color: false });
  const html = renderMarkdown(text);

  it('starts with the hidden marker a CI job updates its comment by', () => {
    expect(text.split('\n')[0]).toBe(MARKDOWN_MARKER);
    // An HTML comment: present in the source, invisible once rendered.
    expect(html).toContain(MARKDOWN_MARKER);
  });

  it('renders the summary table with one row per flush call and a verdict column per architecture', () => {
    const tables = html.match(/<table>[\s\S]*?<\/table>/g) ?? [];
    const summary = tables[0]!;
    const headers = [...summary.matchAll(/<th>(.*?)<\/th>/g)].map((m) => m[1]);
    expect(headers).toEqual(['Site', 'Function', 'Class', 'x86 verdict', 'Arm verdict']);
    const rows = summary.match(/<tr>/g)!.length - 1;
    expect(rows).toBe(run.sites.filter((s) => s.kind === 'call').length);
    expect(summary).toMatch(
      /<td>\+<code>xen\/common\/memory\.c:293<\/code> <code>filtered_flush_tlb_mask\(tlbflush_timestamp, false\)<\/code><\/td>\s*<td><code>populate_physmap<\/code><\/td>\s*<td>allocation, deferred-allocation-flush<\/td>\s*<td>❌ missing-forced-ipi \(assisted-possible\)<\/td>\s*<td>✅ ok \(broadcast\)<\/td>/,
    );
  });

  it('gives each finding a collapsible section with evidence, mechanisms, a Mermaid counterexample, the fix and words for Arm', () => {
    const active = run.findings.filter((f) => !f.suppressed);
    expect(active.map((f) => `${f.ruleId} ${f.file}:${f.line} ${f.arch}`)).toEqual(['FC001 xen/common/memory.c:293 x86']);
    const details = html.match(/<details>[\s\S]*?<\/details>/g) ?? [];
    expect(details).toHaveLength(1);
    const section = details[0]!;
    expect(section).toMatch(/<summary>❌ <b>FC001<\/b> missing-forced-ipi · x86 · <code>xen\/common\/memory\.c:293<\/code> in populate_physmap<\/summary>/);
    expect(section).toContain('<strong>Evidence</strong>');
    expect(section).toMatch(/<ol>\s*<li><code>xen\/common\/memory\.c:263<\/code> in <code>populate_physmap<\/code>: sets MEMF_no_tlbflush/);
    expect(section).toMatch(/<td>x86<\/td>\s*<td>assisted-possible<\/td>\s*<td>❌ missing-forced-ipi<\/td>\s*<td><code>patch:xen\/include\/xen\/mm\.h:648<\/code><\/td>/);
    expect(section).toMatch(/<td>Arm<\/td>\s*<td>broadcast<\/td>/);
    const mermaid = /<pre><code class="language-mermaid">([\s\S]*?)<\/code><\/pre>/.exec(section)?.[1];
    expect(mermaid).toBeDefined();
    expect(mermaid!.split('\n')[0]).toBe('sequenceDiagram');
    expect(mermaid).toContain('participant CPU1 as CPU1 (walker)');
    // Notes are wrapped for a comment's width: `<br/>` (shown here as HTML renders the code block).
    expect(mermaid).toMatch(/Note over CPU1: 1\. walker#58; spurious_page_fault\(\)#58;&lt;br\/&gt;interrupts off/);
    expect(mermaid).toContain('P1 violated');
    expect(section).toContain('<strong>Suggested fix:</strong> Force the IPI on this path');
    expect(section).toContain('<strong>For Arm and other non-x86 reviewers:</strong> On Arm nothing changes');
  });

  it('renders no tag of its own making beyond its structure, and no link', () => {
    expect(new Set(tagsIn(html).filter((t) => !ALLOWED_TAGS.has(t)))).toEqual(new Set());
    expect(html).not.toContain('<a ');
  });

  it('shows a suppressed finding in its own list with the reason, not as an open finding', () => {
    const suppressed = sampleRun();
    suppressed.findings = suppressed.findings.map((f) => ({ ...f, suppressed: { reason: 'v3 passes true here', line: 280 } }));
    const out = renderMarkdown(markdown(suppressed, { color: false }));
    expect(out).toContain('<strong>No findings</strong>');
    expect(out).toContain('<strong>Suppressed (1)</strong>');
    expect(out).toMatch(/<li>FC001 missing-forced-ipi at <code>xen\/common\/memory\.c:293<\/code>: v3 passes true here<\/li>/);
    expect(out).not.toContain('<details>');
  });

  it("keeps a large run under GitHub's comment limit and says how many findings it left out", () => {
    const big = sampleRun();
    const one = big.findings[0]!;
    big.findings = Array.from({ length: 400 }, (_, i) => ({ ...one, line: one.line + i, fingerprint: `${one.fingerprint}${i}` }));
    const out = markdown(big, { color: false });
    expect(out.length).toBeLessThan(65_536);
    expect(out).toMatch(/\d+ more findings \(\d+ errors?\) did not fit in one comment: the full report is the `flushcheck-report` artifact/);
  });

  it('is deterministic', () => {
    expect(markdown(sampleRun(), { color: false })).toBe(text);
  });

  it('renders the real sample review through the CLI: table of sites, one section per finding the pipeline has', async () => {
    const cli = await runCli(['review', '--format', 'markdown', '--fail-on', 'never', SAMPLE]);
    expect(cli.code).toBe(0);
    const pipeline = sampleReview();
    expect(cli.stdout).toBe(markdown(pipeline, { color: false }));
    const out = renderMarkdown(cli.stdout);
    expect(out).toContain('<table>');
    expect(out.match(/<details>/g)?.length ?? 0).toBe(pipeline.findings.filter((f) => !f.suppressed).length);
    expect(out).toContain('Patch 1/1: <code>[PATCH v3] x86/flush:</code> keep the IPI where a page-table walker relies on it — Mira Halvorsen');
  });
});
