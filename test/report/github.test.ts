import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { commentsOutsideDiff, github, reviewPayload, REVIEW_MARKER, type ReviewPayload } from '../../src/report/github.js';
import { runCli, SAMPLE } from '../helpers/cli.js';
import { assertInertMarkdown, hostile } from './hostile.js';
import { runWithFindingAt, sampleReview, sampleRun } from './fixture-run.js';

/** The request body of "create a review for a pull request", as GitHub's REST description states it (the parts we send). */
const REQUEST_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['body', 'event', 'comments'],
  properties: {
    body: { type: 'string', maxLength: 65536 },
    event: { enum: ['APPROVE', 'REQUEST_CHANGES', 'COMMENT'] },
    comments: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['path', 'body', 'line', 'side'],
        properties: {
          path: { type: 'string', minLength: 1 },
          body: { type: 'string', minLength: 1, maxLength: 65536 },
          line: { type: 'integer', minimum: 1 },
          side: { enum: ['LEFT', 'RIGHT'] },
          start_line: { type: 'integer', minimum: 1 },
          start_side: { enum: ['LEFT', 'RIGHT'] },
        },
      },
    },
  },
};
const AjvClass = Ajv as unknown as typeof Ajv.default;
const validateRequest = new AjvClass({ allErrors: true }).compile(REQUEST_SCHEMA);

const RENAME = `diff --git a/xen/common/old-name.c b/xen/common/new-name.c
similarity index 90%
rename from xen/common/old-name.c
rename to xen/common/new-name.c
index 1111111..2222222 100644
--- a/xen/common/old-name.c
+++ b/xen/common/new-name.c
@@ -40,4 +40,4 @@ static void drop_tables(struct domain *d)
 {
     free_l1(d);
-    flush_tlb_mask(d->dirty_cpumask);
+    flush_tlb_mask_sync(d->dirty_cpumask);
 }
`;

describe('github reporter', () => {
  it('puts the sample finding on the line the diff shows, and the summary in the body', () => {
    const payload = reviewPayload(sampleRun());
    expect(validateRequest(payload), JSON.stringify(validateRequest.errors)).toBe(true);
    expect(payload.event).toBe('COMMENT');
    expect(payload.comments.map((c) => [c.path, c.line, c.side])).toEqual([['xen/common/memory.c', 293, 'RIGHT']]);
    expect(commentsOutsideDiff(payload, sampleRun())).toEqual([]);
    expect(payload.body.startsWith(REVIEW_MARKER)).toBe(true);
    expect(payload.body).toContain('| Site | Function | Class | x86 verdict | Arm verdict |');
    expect(payload.comments[0]!.body).toMatch(/^❌ \*\*FC001 missing-forced-ipi\*\* \(x86\): /);
    expect(payload.comments[0]!.body).toContain('```mermaid\nsequenceDiagram');
    expect(payload.comments[0]!.body).toMatch(/<!-- flushcheck:finding [0-9a-f]{32} -->$/);
    for (const c of payload.comments) assertInertMarkdown(c.body);
    assertInertMarkdown(payload.body);
  });

  it('moves a finding on a line the diff does not show into the body', () => {
    const run = sampleRun();
    run.findings = run.findings.map((f) => ({ ...f, line: 250 }));
    const payload = reviewPayload(run);
    expect(payload.comments).toEqual([]);
    expect(payload.body).toContain('**1 finding on lines the diff does not show:** `xen/common/memory.c:250`');
    expect(payload.body).toContain('<summary>❌ <b>FC001</b>');
  });

  it("comments on a removed line on the LEFT side, under the file's new path when it was renamed", () => {
    const run = runWithFindingAt('rename.patch', RENAME, [42]);
    // Rules report only code the patch leaves; a reporter must still place an
    // old-side finding (rules of teams' own, baselines) on the LEFT.
    const site = run.sites.find((s) => s.side === 'old' && s.line === 42 && s.kind === 'call');
    expect(site, 'the removed call').toBeDefined();
    run.findings.push({
      ruleId: 'FC001',
      ruleName: 'missing-forced-ipi',
      messageId: 'missing',
      data: {},
      message: 'a finding on removed code',
      severity: 'error',
      patch: 0,
      file: site!.file,
      line: 42,
      side: 'old',
      function: site!.function,
      siteId: site!.id,
      arch: 'x86',
      related: [],
      fingerprint: 'old-side',
    });
    const payload = reviewPayload(run);
    expect(payload.comments.map((c) => [c.path, c.line, c.side])).toContainEqual(['xen/common/new-name.c', 42, 'LEFT']);
    expect(commentsOutsideDiff(payload, run)).toEqual([]);
  });

  it('rejects comments GitHub would reject: outside a hunk, reversed or hunk-crossing ranges', () => {
    const run = sampleRun();
    const at = (c: Partial<ReviewPayload['comments'][number]>): ReviewPayload => ({
      body: '',
      event: 'COMMENT',
      comments: [{ path: 'xen/common/memory.c', line: 293, side: 'RIGHT', body: 'x', ...c }],
    });
    // memory.c's one hunk shows new lines 290-296 and old lines 290-296.
    expect(commentsOutsideDiff(at({}), run)).toEqual([]);
    expect(commentsOutsideDiff(at({ start_line: 291, start_side: 'RIGHT' }), run)).toEqual([]);
    expect(commentsOutsideDiff(at({ start_line: 293, start_side: 'LEFT' }), run)).toEqual([]);
    expect(commentsOutsideDiff(at({ line: 297 }), run)).toHaveLength(1);
    expect(commentsOutsideDiff(at({ line: 289 }), run)).toHaveLength(1);
    expect(commentsOutsideDiff(at({ path: 'xen/common/other.c' }), run)).toHaveLength(1);
    expect(commentsOutsideDiff(at({ start_line: 294, start_side: 'RIGHT' }), run)).toHaveLength(1);
    expect(commentsOutsideDiff(at({ start_line: 200, start_side: 'RIGHT' }), run)).toHaveLength(1);
    expect(commentsOutsideDiff(at({ start_side: 'RIGHT' }), run)).toHaveLength(1);
    // A range must stay inside one hunk: x86's flushtlb.h has two, new lines 116-130 and 141-149.
    const header = { path: 'xen/include/asm-x86/flushtlb.h', side: 'RIGHT' as const, body: 'x' };
    expect(commentsOutsideDiff({ body: '', event: 'COMMENT', comments: [{ ...header, line: 145, start_line: 120 }] }, run)).toHaveLength(1);
    expect(commentsOutsideDiff({ body: '', event: 'COMMENT', comments: [{ ...header, line: 128, start_line: 118 }] }, run)).toEqual([]);
  });

  it('keeps hostile text inert in every comment and in the body', () => {
    const run = hostile();
    const payload = reviewPayload(run);
    expect(validateRequest(payload), JSON.stringify(validateRequest.errors)).toBe(true);
    expect(payload.comments.length).toBeGreaterThanOrEqual(2);
    expect(commentsOutsideDiff(payload, run)).toEqual([]);
    for (const c of payload.comments) assertInertMarkdown(c.body);
    assertInertMarkdown(payload.body);
  });

  it('prints the real sample review through the CLI as a valid request body whose comments sit on the diff', async () => {
    const cli = await runCli(['review', '--format', 'github', '--fail-on', 'never', SAMPLE]);
    expect(cli.code).toBe(0);
    const payload = JSON.parse(cli.stdout) as ReviewPayload;
    expect(validateRequest(payload), JSON.stringify(validateRequest.errors)).toBe(true);
    expect(commentsOutsideDiff(payload, sampleReview())).toEqual([]);
    expect(cli.stdout).toBe(github(sampleReview(), { color: false }));
  });
});
