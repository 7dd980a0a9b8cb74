/**
 * Everything that came from a patch (subjects, authors, paths, code, comments)
 * is untrusted. These helpers make it inert in the places reporters put it:
 * Markdown text, Markdown code, HTML text, Mermaid labels, plain text.
 */

const ZWJ = '\u200d';

/** Control characters (but tab and newline) and bidirectional overrides (Trojan Source). */
const UNSAFE_CHARS = /[\u0000-\u0008\u000b-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g;

/** Strips characters that can rewrite what a terminal or a reader sees. */
export function plain(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(UNSAFE_CHARS, '');
}

/** One line: newlines become spaces. */
export function oneLine(text: string): string {
  return plain(text).replace(/\s*\n\s*/g, ' ');
}

/**
 * Breaks what GitHub and GitLab turn into mentions, references or links even
 * in plain text (autolinks are found after Markdown escapes are resolved), by
 * putting a zero-width joiner inside the trigger: `@everyone`, `#12`, `!12`,
 * `https://`, `www.`, `javascript:`.
 */
export function defuse(text: string): string {
  return text
    .replace(/@/g, `@${ZWJ}`)
    .replace(/([#!$&%~^])(?=[\w"])/g, `$1${ZWJ}`)
    .replace(/\b(javascript|vbscript|data|file|mailto|xmpp|ftp|https?)(:)/gi, `$1${ZWJ}$2`)
    .replace(/:\/\//g, `:${ZWJ}//`)
    .replace(/\b(www)\./gi, `$1${ZWJ}.`);
}

/**
 * Markdown inline text: every character with inline meaning is backslash-escaped,
 * and so is what would open a block at the start of a line (`1.` lists).
 */
export function mdText(text: string): string {
  return defuse(oneLine(text))
    .replace(/[\\`*_{}[\]()<>!|~&#$+\-=]/g, '\\$&')
    .replace(/^(\d+)\./, '$1\\.');
}

const longestRun = (text: string, ch: string): number => {
  let best = 0;
  let run = 0;
  for (const c of text) {
    run = c === ch ? run + 1 : 0;
    if (run > best) best = run;
  }
  return best;
};

/**
 * A Markdown code span that no backtick run inside can close. In a table cell
 * a pipe must be escaped even inside code (GFM splits cells first).
 */
export function mdCode(text: string, options: { inTable?: boolean } = {}): string {
  let body = oneLine(text);
  if (body === '') return '` `';
  if (options.inTable) body = body.replace(/\|/g, '\\|');
  const fence = '`'.repeat(longestRun(body, '`') + 1);
  const pad = body.startsWith('`') || body.endsWith('`') || body.startsWith(' ') ? ' ' : '';
  return `${fence}${pad}${body}${pad}${fence}`;
}

/** A fenced code block whose fence is longer than any backtick run inside. */
export function mdCodeBlock(text: string, info = ''): string {
  const body = plain(text).replace(/\n+$/, '');
  const fence = '`'.repeat(Math.max(3, longestRun(body, '`') + 1));
  return `${fence}${info}\n${body}\n${fence}`;
}

/** Text inside raw HTML (a `<summary>`): entities, and mentions/links defused. */
export function htmlText(text: string): string {
  return defuse(oneLine(text)).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
