import { clip, NOT_ASCII, splitLines, visibleLine, visibleLines, withoutCiCommands } from '../util/visible-text.js';

/**
 * One escaping function per output context. Everything that came from a patch
 * (subjects, authors, dates, paths, function names, code, comments, messages
 * quoting them) is untrusted and enters a report only through one of these:
 *
 * - terminal / CI log: `terminalText`
 * - Markdown prose: `mdText`; Markdown code: `mdCode`, `mdCodeBlock`; HTML in Markdown: `htmlText`
 * - Mermaid: `mermaidText`
 * - mail reply: `mailLine` (prose), `mailQuote` (quoted lines)
 * - JSON (and Markdown carried in JSON): `jsonText` over the serialised document
 *
 * Under each is the character allow-list of `util/visible-text.ts`.
 * `test/report/hostile-corpus.test.ts` runs every format over every field and
 * payload class, with Mermaid's parser and a Markdown renderer as oracles.
 */

export { clip } from '../util/visible-text.js';

/** Longest piece of patch text a Markdown report shows in one place. */
export const TEXT_MAX = 600;

/** Multi-line visible text (tabs kept): for code and for JSON string values shown as text. */
export const plain = (text: string): string => visibleLines(text, { tabs: true });

/** One line of visible text. */
export const oneLine = (text: string): string => visibleLine(text);

/** Terminal and CI log: one visible line (no ESC, BEL, CR, bidi...), and no workflow command. */
export const terminalText = (text: string): string => noCommands(visibleLine(text));

const noCommands = withoutCiCommands;

/**
 * Copies a value with every string in it passed through `transform`: how a
 * reporter whose whole output is one context (text, reply) takes in the run.
 */
export function mapStrings<T>(value: T, transform: (text: string) => string): T {
  if (typeof value === 'string') return transform(value) as T;
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, transform)) as T;
  if (value !== null && typeof value === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(value))) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = mapStrings(v, transform);
    return out as T;
  }
  return value;
}

/**
 * A word that Markdown (CommonMark + GFM) and the hosts' own filters leave as
 * plain text: letters, digits and a little punctuation, with no `@` (mentions,
 * emails), `#`, `!`, `~`, `$`, `%`, `&` (GitHub and GitLab references), no
 * `:`, `.` or `/` inside a word (schemes, `www.` hosts, `owner/repo`), no
 * hyphen before a digit (`GH-1`), no hex run that could name a commit, and no
 * character with inline or block meaning.
 */
export function isPlainWord(word: string): boolean {
  if (!/^(?:[\p{L}\p{M}\p{N}_\-.,;:!?'()]|[^\x00-\x7F])+$/u.test(word)) return false;
  if (/^[-_]|_$/.test(word)) return false;
  // `_` next to punctuation can open or close emphasis.
  if (/[^\p{L}\p{M}\p{N}]_|_[^\p{L}\p{M}\p{N}]/u.test(word)) return false;
  if (/[.:!][^\s.,;:!?'()]/u.test(word)) return false;
  if (/-\p{N}/u.test(word)) return false;
  if (/[0-9a-f]{7,}/i.test(word) && /\d/.test(word)) return false;
  return true;
}

/**
 * A C operator standing alone (`&&`, `|`, `<`, `*`): with a space on each side
 * it opens no tag, comment, entity, emphasis or reference. At the start of a
 * line some would open a block (`-`, `+`, `>`), so only inside one.
 */
const LONE_OPERATORS = new Set(['&&', '||', '&', '|', '=', '==', '!=', '+', '-', '*', '/', '%', '^', '<', '>', '<=', '>=', '<<', '>>', '?', ':', '!', '->', '+=', '-=', '|=', '&=']);
const isLoneOperator = (word: string): boolean => LONE_OPERATORS.has(word);

/** Words split on spaces, runs of non-plain words joined: each run is shown as code. */
function runs(text: string, first: 'line-start' | 'inline'): { plain: boolean; text: string }[] {
  const words = text.split(' ').filter(Boolean);
  const out: { plain: boolean; text: string }[] = [];
  words.forEach((word, i) => {
    const atStart = i === 0 && first === 'line-start';
    // `1.` or `1)` opening a line would start a list.
    const isPlain = (isPlainWord(word) && !(atStart && /^\d+[.)]/.test(word))) || (isLoneOperator(word) && !atStart);
    const last = out[out.length - 1];
    if (last && last.plain === isPlain) last.text += ` ${word}`;
    else out.push({ plain: isPlain, text: word });
  });
  return out;
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
 * A Markdown code span that no backtick run inside can close. Code is shown
 * as written (nothing invisible added, so it copies right); hosts neither
 * link nor mention inside code. In a table cell a pipe is escaped even in
 * code (GFM splits cells first).
 */
export function mdCode(text: string, options: { inTable?: boolean } = {}): string {
  let body = clip(oneLine(text), TEXT_MAX);
  if (body.trim() === '') return '` `';
  if (options.inTable) body = body.replace(/\|/g, '\\|');
  const fence = '`'.repeat(longestRun(body, '`') + 1);
  const pad = body.startsWith('`') || body.endsWith('`') || body.startsWith(' ') ? ' ' : '';
  return `${fence}${pad}${body}${pad}${fence}`;
}

/**
 * Markdown prose: plain words stay as they are, every run of other words is
 * a code span. Nothing in it can become a link, mention, reference, image,
 * emphasis, HTML or block.
 */
export function mdText(text: string, options: { inTable?: boolean } = {}): string {
  return runs(clip(oneLine(text), TEXT_MAX), 'line-start')
    .map((r) => (r.plain ? (options.inTable ? r.text.replace(/\|/g, '\\|') : r.text) : mdCode(r.text, options)))
    .join(' ');
}

/** A fenced code block whose fence is longer than any backtick run inside. */
export function mdCodeBlock(text: string, info = ''): string {
  const body = plain(text).replace(/\n+$/, '');
  const fence = '`'.repeat(Math.max(3, longestRun(body, '`') + 1));
  return `${fence}${info}\n${body}\n${fence}`;
}

const ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const entities = (text: string): string => text.replace(/[&<>"']/g, (c) => ENTITY[c]!);

/** Text inside raw HTML (a `<summary>`): plain words as they are, the rest as `<code>` with entities. */
export function htmlText(text: string): string {
  return runs(clip(oneLine(text), TEXT_MAX), 'inline')
    .map((r) => (r.plain ? entities(r.text) : `<code>${entities(r.text)}</code>`))
    .join(' ');
}

/**
 * A line of a mail reply: one visible line, and no workflow command (a reply
 * is often printed in a CI log first). Where it may start a line, see reply.ts.
 */
export const mailLine = (text: string): string => noCommands(visibleLine(text));

/**
 * Quoted text of a mail reply: every line, whatever break ended it in the
 * input, starts with `> `, so no line of the patch reads as the reply's own.
 */
export const mailQuote = (text: string): string[] => splitLines(text).map((line) => `> ${noCommands(visibleLine(line, { tabs: true }))}`.trimEnd());

/**
 * A serialised JSON document with every character outside the allow-list
 * written as a `\uXXXX` escape: the values are unchanged (a path is still
 * the path), but no raw bidi, zero-width, C1 or separator character is in
 * the bytes a log or a diff viewer shows.
 */
const JSON_NOT_SHOWN = /^(?:[^\p{L}\p{M}\p{N}\p{P}\p{S}\p{Zs}\n]|[\u115f\u1160\u3164\uffa0\u2800])$/u;

export function jsonText(json: string): string {
  // Only characters outside printable ASCII are looked up in the Unicode classes: fast on megabytes.
  const visible = json.replace(NOT_ASCII, (c) => (JSON_NOT_SHOWN.test(c) ? Array.from({ length: c.length }, (_, i) => `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`).join('') : c));
  // Nor a workflow command, if the document is printed in a CI log: `:\u003a` is still `::`.
  return visible.replace(/::/g, ':\\u003a').replace(/##\[/g, '#\\u0023[');
}
