import { describe, expect, it } from 'vitest';
import { REPORTERS } from '../../src/report/index.js';
import { readFixture } from '../helpers/cli.js';
import { runWithFindingAt } from './fixture-run.js';
import { ALLOWED_TAGS, MENTION, renderMarkdown, tagsIn, visibleText } from './render-markdown.js';

/**
 * A patch whose subject, author, path, code and comments carry HTML,
 * mentions, backtick runs and javascript: links, with findings on the lines
 * that hold them, so every format must carry that text somewhere.
 */
const hostile = (): ReturnType<typeof runWithFindingAt> => runWithFindingAt('hostile.patch', readFixture('hostile', 'hostile.patch'), [25, 27, 7]);

function assertInertMarkdown(text: string): void {
  const html = renderMarkdown(text);
  const foreign = tagsIn(html).filter((t) => !ALLOWED_TAGS.has(t));
  expect(foreign, 'tags from patch text').toEqual([]);
  expect(html).not.toMatch(/<a[\s>]/);
  expect(html).not.toMatch(/<[^>]*\s(href|src|on\w+)=/i);
  // Outside code (where GitHub and GitLab look for mentions and links), nothing live.
  const prose = visibleText(html.replace(/<code[^>]*>[\s\S]*?<\/code>/g, ''));
  expect(prose).not.toMatch(MENTION);
  expect(prose).not.toMatch(/javascript:|https?:\/\//i);
  // Every <details> we open is closed by us: the patch cannot close one early.
  expect((html.match(/<details[\s>]/g) ?? []).length).toBe((html.match(/<\/details>/g) ?? []).length);
}

describe('hostile patch', () => {
  const run = hostile();

  it('reaches the reporters with its hostile text intact', () => {
    expect(run.findings.length).toBeGreaterThanOrEqual(3);
    expect(run.patches[0]!.subject).toContain('<script>');
    expect(run.patches[0]!.author).toContain('@everyone');
    expect(run.sites.some((s) => s.text.includes('````'))).toBe(true);
    expect(run.findings.some((f) => f.file.includes('<b>@everyone</b>'))).toBe(true);
  });

  it('markdown: no live HTML, no link, no mention, no escape from code', () => {
    const text = REPORTERS.markdown!(run, { color: false });
    assertInertMarkdown(text);
    // The text is still there for a reader, only inert.
    const visible = visibleText(renderMarkdown(text));
    expect(visible).toContain('<script>alert(1)</script>');
    expect(visible).toContain('@\u200deveryone');
    // In code the text stays as written: code is never scanned for mentions or links.
    expect(visible).toContain('flush_tlb_mask(mask /* ```` @here <!-- --> javascript:alert(1) | */)');
  });
});

export { assertInertMarkdown, hostile };
