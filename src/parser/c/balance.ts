/**
 * How unbalanced a C fragment is: hunks start and end anywhere, so before
 * parsing we count the brackets and `#if`s it closes without opening (and
 * opens without closing). Comments, strings and character literals are skipped.
 */
export interface Balance {
  /** Deepest negative running depth: closers seen before any opener. */
  unopenedBraces: number;
  unopenedParens: number;
  unopenedIfs: number;
  /** Openers left at the end. */
  unclosedBraces: number;
  unclosedParens: number;
  unclosedIfs: number;
  /** The fragment starts inside a block comment (a comment closer before any opener). */
  startsInComment: boolean;
  /** The fragment ends inside an unterminated block comment. */
  endsInComment: boolean;
}

export function balanceOf(text: string): Balance {
  let braces = 0;
  let parens = 0;
  let ifs = 0;
  let minBraces = 0;
  let minParens = 0;
  let minIfs = 0;
  let startsInComment = false;
  let endsInComment = false;
  const firstClose = text.indexOf('*/');
  const firstOpen = text.indexOf('/*');
  if (firstClose >= 0 && (firstOpen < 0 || firstClose < firstOpen)) startsInComment = true;
  let i = startsInComment ? firstClose + 2 : 0;
  let lineStart = true;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\n') {
      lineStart = true;
      i++;
      continue;
    }
    if (lineStart && c === '#') {
      const end = text.indexOf('\n', i);
      const directive = /^#\s*(\w+)/.exec(text.slice(i, end < 0 ? undefined : end))?.[1] ?? '';
      if (directive === 'if' || directive === 'ifdef' || directive === 'ifndef') ifs++;
      else if (directive === 'endif') ifs--;
      minIfs = Math.min(minIfs, ifs);
      // Directives may continue with a backslash; their brackets do not count.
      let j = i;
      while (true) {
        const nl = text.indexOf('\n', j);
        if (nl < 0) {
          j = text.length;
          break;
        }
        if (text[nl - 1] === '\\') {
          j = nl + 1;
          continue;
        }
        j = nl;
        break;
      }
      i = j;
      continue;
    }
    if (c !== ' ' && c !== '\t') lineStart = false;
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) endsInComment = true;
      i = end < 0 ? text.length : end + 2;
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < text.length && text[j] !== c && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      i = j + 1;
      continue;
    }
    if (c === '{') braces++;
    else if (c === '}') braces--;
    else if (c === '(') parens++;
    else if (c === ')') parens--;
    minBraces = Math.min(minBraces, braces);
    minParens = Math.min(minParens, parens);
    i++;
  }
  return {
    unopenedBraces: -minBraces,
    unopenedParens: -minParens,
    unopenedIfs: -minIfs,
    unclosedBraces: braces - minBraces,
    unclosedParens: parens - minParens,
    unclosedIfs: ifs - minIfs,
    startsInComment,
    endsInComment,
  };
}
