import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/types.js';
import { deferredFlushOutlivesPage as rule } from '../../src/rules/deferred-flush-outlives-page.js';
import { RULES } from '../../src/rules/index.js';
import { runCli } from '../helpers/cli.js';

/** Scans one C file holding `code` and returns the run. */
async function scan(code: string): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'flushcheck-fc011-'));
  try {
    writeFileSync(join(dir, 'example.c'), code);
    const out = await runCli(['scan', dir, '--format', 'json', '--jobs', '0', '--fail-on', 'never']);
    expect(out.stderr).toBe('');
    return JSON.parse(out.stdout) as RunResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const findings = async (code: string): Promise<RunResult['findings']> => (await scan(code)).findings.filter((f) => f.ruleId === rule.meta.id);
const lineOf = (code: string, text: string): number => code.split('\n').findIndex((l) => l.includes(text)) + 1;

const p2mWindow = (between: string): string => `static int collapse(struct p2m_domain *p2m, unsigned long gfn, l1_pgentry_t *e)
{
    struct page_info *pg = l1e_get_page(*e);
    int rc;

    p2m->defer_flush++;
    rc = write_p2m_entry(p2m, gfn, e, l1e_empty(), 2);
${between}
    if ( --p2m->defer_flush == 0 )
        p2m_tlb_flush_sync(p2m);
    return rc;
}
`;

describe('FC011 deferred-flush-outlives-page', () => {
  it('is registered, a warning, with complete docs', () => {
    expect(RULES).toContain(rule);
    expect(rule.meta).toMatchObject({ id: 'FC011', name: 'deferred-flush-outlives-page', severity: 'warning' });
    for (const key of ['summary', 'x86', 'arm', 'bad', 'good'] as const) expect(rule.meta.docs[key].length).toBeGreaterThan(40);
  });

  it('the bad example gives exactly one finding, on the release, naming the page, the opener and the path', async () => {
    const bad = rule.meta.docs.bad;
    const found = await findings(bad);
    expect(found).toHaveLength(1);
    const [f] = found;
    expect(f).toMatchObject({ line: lineOf(bad, 'put_page(pg)'), function: 'swap_frames', severity: 'warning', messageId: 'releasedBeforeFlush' });
    expect(f!.data).toMatchObject({ call: 'put_page', page: 'pg', mechanism: 'iommu-dont-flush', openLine: String(lineOf(bad, '= true')) });
    expect(f!.related[0]!.message).toBe('opens the deferral: this_cpu(iommu_dont_flush_iotlb) = true;');
    expect(f!.related.some((s) => s.message.startsWith('updates a mapping whose flush is deferred: rc = guest_physmap_remove_page('))).toBe(true);
    expect(f!.related.at(-1)).toMatchObject({ line: lineOf(bad, 'put_page(pg)'), message: 'releases pg before the flush: put_page(pg);' });
    // The opener is a site of its own: the finding's evidence is in the JSON too.
    const opener = (await scan(bad)).sites.find((s) => s.deferral);
    expect(opener?.deferral).toMatchObject({ mechanism: 'iommu-dont-flush', owner: 'swap_frames', releases: [{ call: 'put_page', page: 'pg' }] });
  });

  it('the good example gives none', async () => {
    expect(await findings(rule.meta.docs.good)).toEqual([]);
  });

  it('p2m defer: a pool release before p2m_tlb_flush_sync is reported, one after it is not', async () => {
    const bad = p2mWindow('    if ( !rc )\n        p2m_free_ptp(p2m, pg);\n');
    const found = await findings(bad);
    expect(found.map((f) => [f.line, f.data.call, f.data.mechanism])).toEqual([[lineOf(bad, 'p2m_free_ptp'), 'p2m_free_ptp', 'p2m-defer']]);
    expect(await findings(p2mWindow('    p2m_tlb_flush_sync(p2m);\n    if ( !rc )\n        p2m_free_ptp(p2m, pg);\n'))).toEqual([]);
  });

  it('a release before any deferred update, and of a page assigned again since, is not reported', async () => {
    const early = `static int early(struct p2m_domain *p2m, unsigned long gfn, l1_pgentry_t *e, struct page_info *old)
{
    struct page_info *pg;
    int rc;

    p2m->defer_flush++;
    put_page(old);
    rc = write_p2m_entry(p2m, gfn, e, l1e_empty(), 2);
    pg = alloc_domheap_page(NULL, 0);
    if ( pg && prepare(pg) )
        free_domheap_page(pg);
    p2m->defer_flush--;
    p2m_tlb_flush_sync(p2m);
    return rc;
}
`;
    expect(await findings(early)).toEqual([]);
  });

  it('MEMF_no_tlbflush: an anonymous page freed before the flush is reported; an owned one is restamped and is not', async () => {
    const memf = (owner: string): string => `static int fill(struct domain *d, unsigned int nr)
{
    bool need_tlbflush = false;
    uint32_t tlbflush_timestamp = 0;
    unsigned int i;

    for ( i = 0; i < nr; i++ )
    {
        struct page_info *pg = alloc_domheap_page(${owner}, MEMF_no_tlbflush);

        if ( !pg )
            break;
        accumulate_tlbflush(&need_tlbflush, pg, &tlbflush_timestamp);
        if ( give_page(d, pg) )
        {
            free_domheap_page(pg);
            break;
        }
    }
    if ( need_tlbflush )
        filtered_flush_tlb_mask(tlbflush_timestamp);
    return 0;
}
`;
    const anonymous = memf('NULL');
    const found = await findings(anonymous);
    expect(found.map((f) => [f.line, f.data.page, f.data.mechanism])).toEqual([[lineOf(anonymous, 'free_domheap_page'), 'pg', 'memf-no-tlbflush']]);
    expect(found[0]!.related.some((s) => s.message.startsWith('allocates with MEMF_no_tlbflush'))).toBe(true);
    expect(await findings(memf('d'))).toEqual([]);
  });
});
