import { clip, visibleLine } from './visible-text.js';
import { wrapWords } from './wrap.js';

/** A label longer than this is cut: a diagram is for reading, and a patch can be any size. */
const MERMAID_TEXT_MAX = 300;

/**
 * Text safe inside a Mermaid statement (a note, a comment, a participant
 * alias): one line, and every character but letters, digits, the space and a
 * few inert punctuation marks becomes a `#NNN;` entity code, which Mermaid shows
 * as the character. So no `%%` (comment, `%%{init}%%` directive), `;` or `#`
 * (statement and entity syntax), `:`, `<`, `>`, `{`, `}`, quotes or backticks
 * (the fence around the diagram) can come from the text. Trace text can carry
 * code from an untrusted patch.
 */
export function mermaidText(text: string): string {
  return entityCoded(clip(visibleLine(text).replace(/ {2,}/g, ' ').trim(), MERMAID_TEXT_MAX));
}

const entityCoded = (text: string): string => text.replace(/[^A-Za-z0-9 .,()_'+\-*/=!?]/gu, (c) => `#${c.codePointAt(0)};`);

/**
 * A note's text wrapped at `width` characters, lines joined by `<br/>`, the
 * only markup in it, ours: each line is `mermaidText`'s (an entity code
 * counts as the one character it shows).
 */
export function mermaidLines(text: string, width: number): string {
  return wrapWords(clip(visibleLine(text).trim(), MERMAID_TEXT_MAX), width)
    .map(entityCoded)
    .join('<br/>');
}
