import type { Patch, Suppression } from '../types.js';
import { parseHunkSide, sectionFunction, sideText } from '../parser/c/images.js';
import { enclosingFunction } from '../sites/collect.js';
import { findRule } from '../rules/index.js';

const C_FILE = /\.(c|h|inc)$/;
const MARKER = 'flushcheck:';

const ruleIdOf = (name: string): string | undefined => findRule(name)?.meta.id;

/** The words of a comment without its delimiters: `/* a\n * b *\/` → `a b`. */
function commentWords(text: string): string {
  const body = text.startsWith('//') ? text.slice(2) : text.replace(/^\/\*/, '').replace(/\*\/$/, '');
  return body
    .split('\n')
    .map((line) => line.replace(/^\s*\*(?!\/)/, ''))
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export interface Directive {
  rules: string[];
  unknownRules?: string[];
  reason?: string;
}

/**
 * Reads `flushcheck: ignore FC001[, FC002] -- reason` from a comment's words.
 * Returns undefined for a comment that is not meant for flushcheck, and an
 * empty rule list for one that is but cannot be read.
 */
export function parseDirective(commentText: string): Directive | undefined {
  const words = commentWords(commentText);
  if (!words.toLowerCase().startsWith(MARKER)) return undefined;
  const rest = words.slice(MARKER.length).trim();
  const dash = rest.indexOf('--');
  const head = (dash >= 0 ? rest.slice(0, dash) : rest).trim();
  const reason = dash >= 0 ? rest.slice(dash + 2).trim() : '';
  const [verb, ...names] = head.split(/[\s,]+/).filter(Boolean);
  if (verb?.toLowerCase() !== 'ignore' || names.length === 0) return { rules: [] };
  const known = [...new Set(names.map(ruleIdOf).filter((id): id is string => id !== undefined))].sort();
  const unknown = [...new Set(names.filter((n) => ruleIdOf(n) === undefined))].sort();
  return { rules: known, ...(unknown.length ? { unknownRules: unknown } : {}), ...(reason ? { reason } : {}) };
}

/**
 * Inline suppressions of one patch, read from tree-sitter comment nodes of each
 * hunk side. The new side gives comments on added and unchanged lines, the old
 * side those on removed lines, so no comment is counted twice.
 */
export function readSuppressions(patch: Patch): Suppression[] {
  const out: Suppression[] = [];
  for (const file of patch.files) {
    const path = file.newPath ?? file.oldPath;
    if (!path || !C_FILE.test(path) || file.status === 'binary') continue;
    file.hunks.forEach((hunk, h) => {
      for (const side of ['new', 'old'] as const) {
        // Cheap filter before parsing: most hunks carry no directive at all.
        if (!sideText(hunk, side).text.includes(MARKER)) continue;
        const filePath = side === 'old' ? (file.oldPath ?? path) : (file.newPath ?? path);
        const image = parseHunkSide(filePath, hunk, h, side, sectionFunction(hunk.section));
        for (const node of image.tree.rootNode.descendantsOfType('comment')) {
          const directive = parseDirective(node.text);
          if (!directive) continue;
          const rows = image.rows.slice(node.startPosition.row, node.endPosition.row + 1).filter((r) => r.change !== 'synthetic');
          const first = rows[0];
          const last = rows[rows.length - 1];
          if (!first || !last) continue;
          const changes = new Set(rows.map((r) => r.change));
          if (side === 'old' && !changes.has('removed')) continue;
          const change = changes.has('added') ? 'added' : changes.has('removed') ? 'removed' : 'unchanged';
          out.push({
            patch: patch.meta.index,
            file: filePath,
            side,
            line: first.fileLine,
            endLine: last.fileLine,
            change,
            function: enclosingFunction(node, image),
            rules: directive.rules,
            ...(directive.unknownRules ? { unknownRules: directive.unknownRules } : {}),
            ...(directive.reason ? { reason: directive.reason } : {}),
            text: node.text,
          });
        }
      }
    });
  }
  return out.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || (a.side < b.side ? -1 : a.side > b.side ? 1 : 0) || a.line - b.line);
}
