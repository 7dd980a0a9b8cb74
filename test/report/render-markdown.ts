import MarkdownIt from 'markdown-it';

/**
 * Renders Markdown the way GitHub and GitLab treat a comment: CommonMark plus
 * tables, raw HTML allowed (it is what we must not let through from a patch),
 * bare URLs turned into links.
 */
const md = new MarkdownIt({ html: true, linkify: true });

export const renderMarkdown = (text: string): string => md.render(text);

/** Every tag name in rendered HTML (markdown-it escapes text, so each `<` left is a tag). */
export function tagsIn(html: string): string[] {
  return [...html.matchAll(/<\/?([a-zA-Z][\w-]*)/g)].map((m) => m[1]!.toLowerCase());
}

/** The tags a flushcheck comment may contain: its own structure, nothing from a patch. */
export const ALLOWED_TAGS = new Set(['p', 'h3', 'ul', 'ol', 'li', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'code', 'pre', 'strong', 'em', 'b', 'details', 'summary', 'br']);

/** Text as a reader sees it: tags dropped, entities decoded, zero-width joiners kept. */
export function visibleText(html: string): string {
  return html
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/** Mentions GitHub or GitLab would notify: `@name` with nothing in between. */
export const MENTION = /(^|[^\w\u200d])@[A-Za-z0-9]/;
