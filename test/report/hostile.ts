import { expect } from 'vitest';
import { readFixture } from '../helpers/cli.js';
import { runWithFindingAt } from './fixture-run.js';
import { ALLOWED_TAGS, MENTION, renderMarkdown, tagsIn, visibleText } from './render-markdown.js';

/**
 * A patch whose subject, author, path, code and comments carry HTML,
 * mentions, backtick runs and javascript: links, with findings on the lines
 * that hold them, so every format must carry that text somewhere.
 */
export const hostile = (): ReturnType<typeof runWithFindingAt> => runWithFindingAt('hostile.patch', readFixture('hostile', 'hostile.patch'), [25, 27, 7]);

export function assertInertMarkdown(text: string): void {
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
