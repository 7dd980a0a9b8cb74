/**
 * One function of a large file, cheaply: the file with the inside of every
 * other top-level brace block blanked (same length, same lines, so every
 * position is the file's own). Its directives, declarations and the wanted
 * function stay; parsing it costs a fraction of the whole file (mm.c holds
 * hundreds of functions, a lookup wants one). Callers check the function
 * came out whole and parse the file when it did not. A directive inside a
 * blanked body stays, so a `#define` that the whole file's parse reads as part
 * of an initializer is read as the macro it is.
 */

/** Spaces for every character but line ends (built per line: a per-character replace costs tens of ms on a large file). */
function blank(s: string): string {
  const lines: string[] = [];
  let from = 0;
  for (let nl = s.indexOf('\n'); nl >= 0; nl = s.indexOf('\n', from)) {
    lines.push(' '.repeat(nl - from));
    from = nl + 1;
  }
  lines.push(' '.repeat(s.length - from));
  return lines.join('\n');
}

/** Where a directive line (with its continuations) ends: the index of its newline, or the text's end. */
function directiveEnd(text: string, from: number): number {
  let at = from;
  for (;;) {
    const nl = text.indexOf('\n', at);
    if (nl < 0) return text.length;
    const before = text[nl - 1] === '\r' ? nl - 2 : nl - 1;
    if (text[before] !== '\\') return nl;
    at = nl + 1;
  }
}

/** Where a quoted literal opened at `from` ends (its closing quote, or the line's end). */
function literalEnd(text: string, from: number): number {
  const quote = text[from];
  for (let i = from + 1; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === quote || c === '\n') return i;
  }
  return text.length - 1;
}

/**
 * `text` with the bodies of top-level brace blocks blanked, except blocks
 * whose header (the text since the previous top-level `;` or `}`) calls
 * `name` and the directive lines inside blanked bodies. Undefined when the
 * braces do not balance outside comments, literals and directives (a
 * conditional that opens a brace in each branch).
 */
export function isolateFunction(text: string, name: string): string | undefined {
  const names = new RegExp(`(?<![\\w$])${name.replace(/[^\w$]/g, '')}\\s*\\(`);
  const pieces: string[] = [];
  let copied = 0;
  let depth = 0;
  let headerStart = 0;
  let open = -1;
  let keep = false;
  /** Directive lines inside the current block, kept when its body is blanked. */
  let directives: [number, number][] = [];
  // The regular expression finds the next character that matters: the scan costs the file's tokens, not its characters.
  const special = /[{}"';#/]/g;
  for (let i = 0; i < text.length; i++) {
    special.lastIndex = i;
    const found = special.exec(text);
    if (!found) break;
    i = found.index;
    const c = found[0];
    if (c === '#') {
      const lineStart = text.lastIndexOf('\n', i - 1) + 1;
      if (!/^[ \t\r\f\v]*$/.test(text.slice(lineStart, i))) continue;
      const end = directiveEnd(text, i);
      if (depth > 0) directives.push([i, end]);
      i = end - 1;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 1;
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      const end = text.indexOf('\n', i);
      i = (end < 0 ? text.length : end) - 1;
      continue;
    }
    if (c === '"' || c === "'") {
      const end = literalEnd(text, i);
      // An unclosed literal ends at its line's end, and the next line starts afresh.
      i = text[end] === '\n' ? end - 1 : end;
      continue;
    }
    if (c === '{') {
      if (depth === 0) {
        open = i;
        keep = names.test(text.slice(headerStart, i));
        directives = [];
      }
      depth++;
    } else if (c === '}') {
      depth--;
      if (depth < 0) return undefined;
      if (depth === 0) {
        if (!keep) {
          let from = open + 1;
          for (const [start, end] of directives) {
            pieces.push(text.slice(copied, from), blank(text.slice(from, start)));
            copied = from = start;
            from = end;
          }
          pieces.push(text.slice(copied, from), blank(text.slice(from, i)));
          copied = i;
        }
        headerStart = i + 1;
      }
    } else if (c === ';' && depth === 0) headerStart = i + 1;
  }
  if (depth !== 0) return undefined;
  pieces.push(text.slice(copied));
  return pieces.join('');
}
