/**
 * The character layer under every output context: text from a patch keeps only
 * characters that show as themselves (an allow-list, not a list of known-bad
 * ones). Anything else (C0/C1 controls, ESC, bidi overrides and isolates,
 * LRM/RLM/ALM, zero-width and other format characters, line and paragraph
 * separators, private-use, unassigned and lone surrogate code points) is
 * shown as a visible `<U+XXXX>` (other spaces as a space), so a reader still sees
 * that something was there and nothing can rewrite what they see.
 */

/** Letters, marks, numbers, punctuation, symbols and the ASCII space; tab and newline are decided per context. */
const NOT_SHOWN = /^(?:[^\p{L}\p{M}\p{N}\p{P}\p{S} \t\n]|[\u115f\u1160\u3164\uffa0\u2800])$/u;
/** Candidates: only characters outside printable ASCII (a surrogate pair as one) are looked up in the Unicode classes: fast on megabytes. */
export const NOT_ASCII = /[\ud800-\udbff][\udc00-\udfff]|[^\x20-\x7e\t\n]/g;

/** Every way a line can end, for readers that are not ours: CRLF, LF, CR, VT, FF, NEL, LS, PS. */
export const LINE_BREAK = /\r\n|[\n\r\v\f\u0085\u2028\u2029]/;
const LINE_BREAKS = new RegExp(LINE_BREAK.source, 'g');

export const codePointName = (c: string): string => `<U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}>`;

/** Splits on any line break (see LINE_BREAK). */
export const splitLines = (text: string): string[] => text.split(LINE_BREAKS);

/**
 * One line of visible text: line breaks become spaces, tabs too unless kept,
 * and every character outside the allow-list becomes `<U+XXXX>`.
 */
export function visibleLine(text: string, options: { tabs?: boolean } = {}): string {
  // Other spaces (no-break, em, ideographic...) show as what they are: a space.
  const flat = text.replace(LINE_BREAKS, ' ').replace(/[^\P{Zs} ]/gu, ' ');
  return (options.tabs ? flat : flat.replace(/\t/g, ' ')).replace(NOT_ASCII, (c) => (NOT_SHOWN.test(c) ? codePointName(c) : c));
}

/** Visible text that keeps its lines, joined with `\n` whatever break the input used. */
export const visibleLines = (text: string, options: { tabs?: boolean } = {}): string =>
  splitLines(text)
    .map((line) => visibleLine(line, options))
    .join('\n');

/**
 * No workflow command for a CI log: a GitHub runner reads `::name::` at the
 * start of a line (after blanks) and `##[` anywhere, so `::` is shown as `:\:`
 * and `##[` as `#\#[`. (GitLab's section markers need ESC and CR, which
 * visible text never has.)
 */
export const withoutCiCommands = (text: string): string => text.replace(/::/g, ':\\:').replace(/##\[/g, '#\\#[');

/** At most `max` code points, an ellipsis marking the cut (never splits a surrogate pair). */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const points = Array.from(text);
  return points.length <= max ? text : `${points.slice(0, max - 1).join('')}…`;
}
