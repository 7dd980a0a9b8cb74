import MarkdownIt from 'markdown-it';
import { beforeAll, describe, expect, it } from 'vitest';
import { commentsOutsideDiff, type ReviewPayload } from '../../src/report/github.js';
import { FORMAT_NAMES } from '../../src/report/index.js';
import type { Arch, RunResult, Site } from '../../src/types.js';
import { runCli, SAMPLE } from './cli.js';

/**
 * A thread in the seed's shape: a filtered flush helper gains a bool that
 * forces the IPI, populate_physmap passes false for the flush its
 * MEMF_no_tlbflush allocation owes, alloc_heap_pages passes true, and
 * _get_page_type forces only when the old type was a page table. Our own
 * fixture (fixtures/cases/sync-param-thread.txt, hermetic) and the real seed
 * thread (test/system/, where ../shared is) are pinned by the same
 * assertions; only where each shape sits differs.
 */
export interface ThreadShape {
  path: string;
  /** The helper that forces the IPI (the flag or a dedicated name). */
  forcingHelper: string;
  /** populate_physmap: the MEMF_no_tlbflush setter, the need_tlbflush test, the `out:` label, the flush. */
  memory: { setter: number; test: number; out: number; flush: number };
  /** alloc_heap_pages: the need_tlbflush test and the flush. */
  pageAlloc: { test: number; flush: number };
  /** _get_page_type: the removed flush, the forced branch, the plain branch. */
  pageType: { removed: number; forced: number; plain: number };
  /** filtered_flush_tlb_mask in mm.h: the removed flush, the forced one, the plain one. */
  helper: { removed: number; forced: number; plain: number };
}

/** Our thread (fixtures/cases/sync-param-thread.txt): the helper gains `bool sync`, forcing through flush_tlb_mask_ipi. */
export const SAMPLE_SHAPE: ThreadShape = {
  path: SAMPLE,
  forcingHelper: 'flush_tlb_mask_ipi',
  memory: { setter: 290, test: 292, out: 291, flush: 293 },
  pageAlloc: { test: 1067, flush: 1068 },
  pageType: { removed: 2949, forced: 2955, plain: 2957 },
  helper: { removed: 644, forced: 646, plain: 648 },
};

/** Classes and their evidence chains, from the hunks alone (no tree). */
export function describeClasses(name: string, t: ThreadShape): void {
  describe(name, () => {
    let run: RunResult;
    beforeAll(async () => {
      const out = await runCli(['review', t.path, '--format', 'json']);
      expect(out.stderr).toBe('');
      run = JSON.parse(out.stdout) as RunResult;
    });
    const site = (file: string, line: number, api: string, side: Site['side'] = 'new'): Site => {
      const found = run.sites.find((s) => s.file === file && s.line === line && s.api === api && s.side === side && s.kind !== 'definition');
      if (!found) throw new Error(`no site ${file}:${line} ${api}`);
      return found;
    };

    it('memory.c: the flush at out: is the deferred allocation flush, with its chain', () => {
      const s = site('xen/common/memory.c', t.memory.flush, 'filtered_flush_tlb_mask');
      expect(s.classes).toEqual(['deferred-allocation-flush']);
      const [chain] = s.evidence!;
      expect(chain!.class).toBe('deferred-allocation-flush');
      // Root first: the setter is not in the hunk (said so), then what the hunk shows, then the flush at out:.
      expect(chain!.steps.map((st) => [st.line, st.function])).toEqual([
        [t.memory.setter, 'populate_physmap'],
        [t.memory.test, 'populate_physmap'],
        [t.memory.flush, 'populate_physmap'],
      ]);
      expect(chain!.steps[0]!.message).toMatch(/sets MEMF_no_tlbflush .*built-in knowledge.*not in view/);
      expect(chain!.steps[1]!.message).toMatch(/need_tlbflush/);
      expect(chain!.steps[2]!.message).toMatch(new RegExp(`^flushes at \`out:\` \\(line ${t.memory.out}\\)`));
      expect(chain!.conditions).toEqual(['need_tlbflush']);
    });

    it('page_alloc.c: the flush in alloc_heap_pages is an allocation flush, seen from the code', () => {
      const s = site('xen/common/page_alloc.c', t.pageAlloc.flush, 'filtered_flush_tlb_mask');
      expect(s.classes).toEqual(['allocation']);
      expect(s.evidence![0]!.steps[0]).toMatchObject({ line: t.pageAlloc.test, function: 'alloc_heap_pages', message: expect.stringMatching(/tests need_tlbflush/) });
    });

    it('_get_page_type: the forcing helper branch is page-type-change under the page-table condition', () => {
      const s = site('xen/arch/x86/mm.c', t.pageType.forced, t.forcingHelper);
      expect(s.classes).toEqual(['page-type-change']);
      expect(s.evidence![0]!.conditions).toContain('(x & PGT_type_mask) && (x & PGT_type_mask) <= PGT_root_page_table');
    });

    it('_get_page_type: the else branch is not page-type-change', () => {
      const s = site('xen/arch/x86/mm.c', t.pageType.plain, 'flush_tlb_mask');
      expect(s.classes).toEqual(['other']);
      expect(s.evidence![0]!.conditions).toContain('!((x & PGT_type_mask) && (x & PGT_type_mask) <= PGT_root_page_table)');
      expect(s.evidence![0]!.steps.at(-1)!.message).toMatch(/not a page-table type/);
    });

    it('the removed flush in _get_page_type was a page-type change too (unconditional)', () => {
      expect(site('xen/arch/x86/mm.c', t.pageType.removed, 'flush_tlb_mask', 'old').classes).toEqual(['page-type-change']);
    });

    it("mm.h's helper inherits both callers' classes, each with the argument it passes", () => {
      const forced = site('xen/include/xen/mm.h', t.helper.forced, t.forcingHelper);
      const plain = site('xen/include/xen/mm.h', t.helper.plain, 'flush_tlb_mask');
      expect(forced.classes).toEqual(['allocation']);
      expect(forced.evidence![0]!.args).toEqual({ tlbflush_timestamp: 'tlbflush_timestamp', sync: 'true' });
      expect(forced.evidence![0]!.steps.map((st) => st.file)).toEqual(['xen/common/page_alloc.c', 'xen/common/page_alloc.c', 'xen/include/xen/mm.h']);
      expect(plain.classes).toEqual(['deferred-allocation-flush']);
      expect(plain.evidence![0]!.args).toEqual({ tlbflush_timestamp: 'tlbflush_timestamp', sync: 'false' });
      expect(plain.evidence![0]!.steps.at(-2)).toMatchObject({
        file: 'xen/common/memory.c',
        line: t.memory.flush,
        message: `calls filtered_flush_tlb_mask(tlbflush_timestamp, false) at \`out:\` (line ${t.memory.out})`,
      });
      // The helper as a whole: both classes.
      expect(new Set([...forced.classes!, ...plain.classes!])).toEqual(new Set(['allocation', 'deferred-allocation-flush']));
    });

    it('before the patch the helper had no argument to tell its callers apart', () => {
      const old = site('xen/include/xen/mm.h', t.helper.removed, 'flush_tlb_mask', 'old');
      expect(old.classes).toEqual(['allocation', 'deferred-allocation-flush']);
    });

    it('definitions carry no classes; every call and bookkeeping use does', () => {
      for (const s of run.sites) {
        if (s.kind === 'definition') expect(s.classes).toBeUndefined();
        else expect(s.classes?.length).toBeGreaterThan(0);
      }
    });

    it('is deterministic', async () => {
      const again = await runCli(['review', t.path, '--format', 'json']);
      expect(JSON.parse(again.stdout)).toEqual(run);
    });
  });
}

/** The whole pipeline (parse → … → report) on the thread, no hand-built stage data, then every format. */
export function describeVerdicts(name: string, t: ThreadShape): void {
  async function review(...extra: string[]): Promise<{ run: RunResult; code: number }> {
    const out = await runCli(['review', '--format', 'json', ...extra, t.path]);
    expect(out.stderr).toBe('');
    return { run: JSON.parse(out.stdout) as RunResult, code: out.code };
  }
  function at(run: RunResult, file: string, line: number, api: string): Site {
    const found = run.sites.filter((s) => s.file === file && s.line === line && s.api === api && s.side === 'new' && s.kind === 'call');
    expect(found, `${api} at ${file}:${line}`).toHaveLength(1);
    return found[0]!;
  }
  const verdict = (site: Site, arch: Arch): string | undefined => site.arch?.[arch]?.verdict;

  describe(`${name}, end to end`, () => {
    it('memory.c: missing-forced-ipi on x86 with a counterexample, no-op on Arm', async () => {
      const { run } = await review();
      const site = at(run, 'xen/common/memory.c', t.memory.flush, 'filtered_flush_tlb_mask');
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
      const { run } = await review();
      const site = at(run, 'xen/common/page_alloc.c', t.pageAlloc.flush, 'filtered_flush_tlb_mask');
      expect(site.classes).toEqual(['allocation']);
      expect(site.arch?.x86?.mechanism).toBe('forced-ipi');
      expect(verdict(site, 'x86')).toBe('ok');
    });

    it('_get_page_type: both branches ok, the else branch shown safe by simulating an assisted flush', async () => {
      const { run } = await review();
      const forced = at(run, 'xen/arch/x86/mm.c', t.pageType.forced, t.forcingHelper);
      expect(forced.classes).toEqual(['page-type-change']);
      expect(verdict(forced, 'x86')).toBe('ok');
      const plain = at(run, 'xen/arch/x86/mm.c', t.pageType.plain, 'flush_tlb_mask');
      expect(plain.classes).toEqual(['other']);
      expect(plain.arch?.x86?.mechanism).toBe('assisted-possible');
      expect(verdict(plain, 'x86')).toBe('ok');
    });

    it('one error finding, on memory.c; none in alloc_heap_pages or _get_page_type; exit 1', async () => {
      const { run, code } = await review();
      expect(code).toBe(1);
      expect(run.findings.filter((f) => !f.suppressed).map((f) => `${f.severity} ${f.ruleId} ${f.file}:${f.line} ${f.function} ${f.arch}`)).toEqual([
        `error FC001 xen/common/memory.c:${t.memory.flush} populate_physmap x86`,
      ]);
    });

    it('in a HAP-only build nothing must be forced: no error', async () => {
      const { run, code } = await review('--config', 'CONFIG_PV=n,CONFIG_SHADOW_PAGING=n');
      expect(run.findings.filter((f) => f.severity === 'error')).toEqual([]);
      expect(code).toBe(0);
    });
  });

  describe(`${name} in every format`, () => {
    it('renders in every format, deterministically', async () => {
      expect(FORMAT_NAMES).toEqual(['annotations', 'github', 'gitlab', 'json', 'markdown', 'rdjson', 'reply', 'sarif', 'text']);
      for (const format of FORMAT_NAMES) {
        const a = await runCli(['review', '--format', format, t.path]);
        const b = await runCli(['review', '--format', format, t.path]);
        expect(a.code, format).toBe(1);
        expect(a.stdout.length, format).toBeGreaterThan(100);
        expect(b.stdout, format).toBe(a.stdout);
      }
    });

    it('the GitHub review comments only on lines the diff shows', async () => {
      const { run } = await review();
      const payload = JSON.parse((await runCli(['review', '--format', 'github', t.path])).stdout) as ReviewPayload;
      expect(payload.comments.map((c) => [c.path, c.line, c.side])).toEqual([['xen/common/memory.c', t.memory.flush, 'RIGHT']]);
      expect(commentsOutsideDiff(payload, run)).toEqual([]);
    });

    it('the Markdown comment renders with the table, a section per finding and the Mermaid counterexample', async () => {
      const md = (await runCli(['review', '--format', 'markdown', t.path])).stdout;
      const html = new MarkdownIt({ html: true }).render(md);
      expect(html).toContain('<table>');
      expect(html.match(/<details>/g)).toHaveLength(1);
      expect(html).toMatch(/<pre><code class="language-mermaid">sequenceDiagram/);
    });
  });
}
