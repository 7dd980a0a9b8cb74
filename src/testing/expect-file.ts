import { basename } from 'node:path';
import type { Finding, Result, ToolError } from '../types.js';
import { failed, ok } from '../types.js';

/**
 * The `.expect` sidecar: one finding per line,
 * `<severity> <ruleId> <file>:<line> <function>`, `-` for file scope.
 * An input the tool cannot read expects `input-error <code> <input>:<line> -`,
 * so broken-input fixtures are cases too. Blank lines and `#` comments are kept
 * by `--update` when they head the file.
 */

export const SEVERITY_WORDS = ['error', 'warning', 'note', 'input-error'] as const;
export const EXPECT_FORMAT = '<severity> <ruleId> <file>:<line> <function>';

const LINE = /^(\S+)\s+(\S+)\s+(\S+):(\d+)\s+(\S+)$/;

export interface ExpectFile {
  /** Canonical expectation lines, in file order. */
  lines: string[];
  /** The comment and blank lines before the first expectation. */
  header: string[];
}

/** Codepoint order, as `LC_ALL=C sort`. */
export const sortLines = (lines: string[]): string[] => [...lines].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

export function findingLine(f: Pick<Finding, 'severity' | 'ruleId' | 'file' | 'line' | 'function'>): string {
  return `${f.severity} ${f.ruleId} ${f.file}:${f.line} ${f.function ?? '-'}`;
}

export function errorLine(error: ToolError): string {
  return `input-error ${error.code} ${basename(error.file)}:${error.line ?? 0} -`;
}

export function parseExpectFile(path: string, text: string): Result<ExpectFile> {
  const lines: string[] = [];
  const header: string[] = [];
  const rows = text.replace(/\r\n?/g, '\n').split('\n');
  if (rows[rows.length - 1] === '') rows.pop();
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!.trim();
    if (row === '' || row.startsWith('#')) {
      if (lines.length === 0) header.push(rows[i]!);
      continue;
    }
    const m = LINE.exec(row);
    const severity = m?.[1];
    if (!m || !(SEVERITY_WORDS as readonly string[]).includes(severity!)) {
      return failed({ file: path, line: i + 1, code: 'bad-expect-line', message: `expected "${EXPECT_FORMAT}" (severity one of ${SEVERITY_WORDS.join(', ')}), got "${row}"` });
    }
    lines.push(`${severity} ${m[2]} ${m[3]}:${Number(m[4])} ${m[5]}`);
  }
  return ok({ lines, header });
}

export function formatExpectFile(lines: readonly string[], header: readonly string[] = []): string {
  const body = sortLines([...lines]);
  const head = [...header];
  while (head.length > 0 && head[head.length - 1]!.trim() === '') head.pop();
  return [...head, ...(head.length > 0 && body.length > 0 ? [''] : []), ...body].map((l) => `${l}\n`).join('');
}
