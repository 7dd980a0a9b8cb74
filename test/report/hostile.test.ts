import { describe, expect, it } from 'vitest';
import { REPORTERS } from '../../src/report/index.js';
import { assertInertMarkdown, hostile } from './hostile.js';
import { renderMarkdown, visibleText } from './render-markdown.js';

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
    // Mentions are shown as code, as written: no invisible character is added.
    expect(renderMarkdown(text)).toMatch(/<code>[^<]*@everyone/);
    expect(text).not.toMatch(/[\u200b-\u200d\u2060\ufeff]/);
    // In code the text stays as written: code is never scanned for mentions or links.
    expect(visible).toContain('flush_tlb_mask(mask /* ```` @here <!-- --> javascript:alert(1) | */)');
  });

  it('every format renders it, the same bytes twice', () => {
    for (const [name, reporter] of Object.entries(REPORTERS)) {
      const once = reporter(run, { color: false });
      expect(once.length, name).toBeGreaterThan(0);
      expect(reporter(hostile(), { color: false }), name).toBe(once);
    }
  });
});
