/**
 * Words of `text` in lines of at most `width` characters (code points); a word
 * longer than a line is cut. Runs of blanks count as one break. Never empty:
 * an empty text is one empty line.
 */
export function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  let lineLength = 0;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    let points = Array.from(word);
    if (lineLength && lineLength + 1 + points.length > width) {
      lines.push(line);
      line = '';
      lineLength = 0;
    }
    while (points.length > width) {
      if (line) {
        lines.push(line);
        line = '';
        lineLength = 0;
      }
      lines.push(points.slice(0, width).join(''));
      points = points.slice(width);
    }
    line = line ? `${line} ${points.join('')}` : points.join('');
    lineLength += (lineLength ? 1 : 0) + points.length;
  }
  if (line) lines.push(line);
  return lines.length ? lines : [''];
}
