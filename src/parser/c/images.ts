import type { FileDiff, Hunk, ImageLine, ParsedImage, Side } from '../../types.js';
export type { ParsedImage };
import { balanceOf } from './balance.js';
import { countErrors, flatOf, type OtherSide, parseC, parseFile, type TextEdit, TooDeepError, type Tree } from './tree-sitter.js';
import type { FlatTree } from './flat-tree.js';
import { fitted } from '../../util/fitted.js';

/** Name of the function a hunk-only fragment is wrapped in; sites inside it
 *  belong to the function the hunk header names. */
export const WRAPPER_FUNCTION = '__flushcheck_hunk_function';
/** Stands for an `#if` condition the fragment does not show. */
export const NOT_SHOWN_CONDITION = '__FLUSHCHECK_NOT_SHOWN__';

export function sideText(hunk: Hunk, side: Side): { text: string; rows: ImageLine[] } {
  const rows: ImageLine[] = [];
  const lines: string[] = [];
  for (const line of hunk.lines) {
    if (side === 'old' ? line.change === 'added' : line.change === 'removed') continue;
    lines.push(line.text);
    rows.push({ fileLine: (side === 'old' ? line.oldLine : line.newLine) ?? 0, change: line.change, hunk: -1 });
  }
  return { text: lines.join('\n'), rows };
}

interface Wrapping {
  prefix: string[];
  suffix: string[];
  inFunction: boolean;
}

/**
 * The wrappings worth trying for a fragment: balance what it closes without
 * opening (and the reverse), with and without an enclosing function body and
 * a reopened condition. The one tree-sitter parses with fewest errors wins.
 */
function wrappings(text: string, preferFunction: boolean): Wrapping[] {
  const b = balanceOf(text);
  const base = (inFunction: boolean, parenFix: boolean): Wrapping => {
    const prefix: string[] = [];
    const suffix: string[] = [];
    if (b.startsInComment) prefix.push('/*');
    for (let i = 0; i < b.unopenedIfs; i++) prefix.push(`#if ${NOT_SHOWN_CONDITION}`);
    const braces = b.unopenedBraces;
    if (inFunction) prefix.push(`void ${WRAPPER_FUNCTION}(void) {`);
    for (let i = inFunction ? 1 : 0; i < braces; i++) prefix.push('{');
    if (parenFix && b.unopenedParens > 0) prefix.push(`if (${'('.repeat(b.unopenedParens - 1)}`);
    if (b.endsInComment) suffix.push('*/');
    if (b.unclosedParens > 0) suffix.push(')'.repeat(b.unclosedParens));
    const closes = b.unclosedBraces + (inFunction && braces === 0 ? 1 : 0);
    for (let i = 0; i < closes; i++) suffix.push('}');
    for (let i = 0; i < b.unclosedIfs; i++) suffix.push('#endif');
    return { prefix, suffix, inFunction };
  };
  const out: Wrapping[] = [];
  // A hunk that starts at a function's opening brace needs only the signature.
  const firstCode = text.split('\n').find((l) => l.trim() !== '' && !/^\s*(#|\/\*|\*)/.test(l));
  if (preferFunction && firstCode?.trim() === '{' && b.unopenedBraces === 0) {
    const w = base(false, false);
    out.push({ ...w, prefix: [...w.prefix, `void ${WRAPPER_FUNCTION}(void)`], inFunction: true });
  }
  const order = b.unopenedBraces > 0 ? [true] : preferFunction ? [true, false] : [false, true];
  for (const inFunction of order) {
    out.push(base(inFunction, false));
    if (b.unopenedParens > 0) out.push(base(inFunction, true));
  }
  return out;
}

/**
 * Each side of a hunk is parsed once while its patch is reviewed: site
 * finding, the release comparison (FC009) and the suppressions read the same
 * sides. Keyed on the hunk object, so it lives as long as the patch does.
 */
const hunkImages = new WeakMap<Hunk, Map<string, ParsedImage>>();

/** Parses one side of one hunk as a fragment, inside the best wrapping. */
export function parseHunkSide(file: string, hunk: Hunk, hunkIndex: number, side: Side, enclosingFunction: string | null): ParsedImage {
  const key = `${side}\u0000${file}\u0000${hunkIndex}\u0000${enclosingFunction ?? ''}`;
  let images = hunkImages.get(hunk);
  const known = images?.get(key);
  if (known) return known;
  const image = parseFragment(file, hunk, hunkIndex, side, enclosingFunction);
  if (!images) {
    images = new Map();
    hunkImages.set(hunk, images);
  }
  images.set(key, image);
  return image;
}

function parseFragment(file: string, hunk: Hunk, hunkIndex: number, side: Side, enclosingFunction: string | null): ParsedImage {
  const { text, rows } = sideText(hunk, side);
  for (const row of rows) row.hunk = hunkIndex;
  let best: ParsedImage | undefined;
  let bestErrors = Infinity;
  // Code inside a function is indented in Xen style; a call alone at column 0
  // would otherwise parse cleanly as an old-style declaration.
  // Labels (`out:`) sit at column 0 inside functions, so they say nothing.
  // A lone `{` at column 0 opens the body of the function the header names
  // (a hunk that starts right after the signature); at file scope it would
  // parse as a stray block just as cleanly.
  const firstCode = text.split('\n').find((l) => l.trim() !== '' && !/^\s*(#|\/\*|\*)/.test(l) && !/^[A-Za-z_]\w*:\s*$/.test(l));
  const preferFunction = enclosingFunction !== null && firstCode !== undefined && (/^\s/.test(firstCode) || firstCode.trim() === '{');
  for (const w of wrappings(text, preferFunction)) {
    const full = [...w.prefix, text, ...w.suffix].join('\n');
    const tree = parseNamingPlace(full, (row) => `${file}:${rows[row - w.prefix.length]?.fileLine ?? hunk.newStart}`);
    const errors = countErrors(tree.rootNode);
    if (errors < bestErrors) {
      const synthetic = (): ImageLine => ({ fileLine: 0, change: 'synthetic', hunk: hunkIndex });
      bestErrors = errors;
      best = {
        file,
        side,
        text: full,
        rows: fitted([...w.prefix.map(synthetic), ...rows, ...w.suffix.map(synthetic)]),
        tree,
        enclosingFunction: w.inFunction || w.prefix.length > 0 ? enclosingFunction : null,
        wholeFile: false,
      };
      if (errors === 0) break;
    }
  }
  return holdingTreeWeakly(best!);
}

/**
 * The image with its tree reached through its flat reading, which holds it
 * weakly (FlatTree.tree): a patch of thousands of hunks keeps each side's
 * records to its end, but not each side's native tree.
 */
function holdingTreeWeakly(image: ParsedImage): ParsedImage {
  return new WeaklyHeldImage(image, flatOf(image.tree));
}

/** A class, not a literal with a getter: V8 gives each such literal a hidden class of its own. */
class WeaklyHeldImage implements ParsedImage {
  readonly file: string;
  readonly side: Side;
  readonly text: string;
  readonly rows: ImageLine[];
  readonly enclosingFunction: string | null;
  readonly wholeFile: boolean;
  constructor(
    image: ParsedImage,
    readonly flat: FlatTree,
  ) {
    this.file = image.file;
    this.side = image.side;
    this.text = image.text;
    this.rows = image.rows;
    this.enclosingFunction = image.enclosingFunction;
    this.wholeFile = image.wholeFile;
  }
  get tree(): Tree {
    return this.flat.tree();
  }
}

/**
 * An image's flat reading. Walks need only this: reaching it through
 * `image.tree` would parse a hunk's text again once its tree was let go.
 */
export function imageFlat(image: ParsedImage): FlatTree {
  return image instanceof WeaklyHeldImage ? image.flat : flatOf(image.tree);
}

/**
 * Applies a file's hunks to its old text. Returns undefined when the context
 * does not match (the tree is not the patch's base): callers fall back to
 * fragments rather than guess.
 */
export function applyHunks(oldText: string, hunks: readonly Hunk[]): string | undefined {
  return patchLines(oldText, hunks)?.text;
}

/** Lines `[oldFrom, oldTo)` of the old text are lines `[newFrom, newTo)` of the new (0-based). */
interface LineRun {
  oldFrom: number;
  oldTo: number;
  newFrom: number;
  newTo: number;
}

/** Each file's hunks applied once, whichever stage asks (the site finder, the tree-site search, free-before-flush). */
const patchedLines = new WeakMap<readonly Hunk[], { oldText: string; patched: { text: string; runs: LineRun[] } | undefined }>();

function patchLines(oldText: string, hunks: readonly Hunk[]): { text: string; runs: LineRun[] } | undefined {
  const known = patchedLines.get(hunks);
  if (known?.oldText === oldText) return known.patched;
  const patched = applyLines(oldText, hunks);
  patchedLines.set(hunks, { oldText, patched });
  return patched;
}

function applyLines(oldText: string, hunks: readonly Hunk[]): { text: string; runs: LineRun[] } | undefined {
  const old = oldText.split('\n');
  const out: string[] = [];
  const runs: LineRun[] = [];
  let run: LineRun | undefined;
  let at = 0; // 0-based index into old
  for (const hunk of hunks) {
    const start = Math.max(0, hunk.oldStart - 1 + (hunk.oldLines === 0 ? 1 : 0));
    if (start < at) return undefined;
    for (let i = at; i < start; i++) out.push(old[i]!);
    at = start;
    run = undefined;
    for (const line of hunk.lines) {
      if (line.change === 'unchanged') run = undefined;
      else if (!run) {
        run = { oldFrom: at, oldTo: at, newFrom: out.length, newTo: out.length };
        runs.push(run);
      }
      if (line.change === 'added') {
        out.push(line.text);
        run!.newTo = out.length;
        continue;
      }
      if (old[at] !== line.text && old[at]?.trimEnd() !== line.text.trimEnd()) return undefined;
      if (line.change === 'unchanged') out.push(old[at]!);
      at++;
      if (run) run.oldTo = at;
    }
  }
  for (let i = at; i < old.length; i++) out.push(old[i]!);
  return { text: out.join('\n'), runs };
}

/**
 * The new text of a file and, for parsing either side from the other, the
 * character ranges the hunks replace. The ranges are what the hunks say;
 * parseFile checks that they are all that differs before it uses them.
 */
export function patchedFile(oldText: string, hunks: readonly Hunk[]): { text: string; edits: TextEdit[] } | undefined {
  const patched = patchLines(oldText, hunks);
  if (!patched) return undefined;
  const oldStarts = lineStarts(oldText);
  const newStarts = lineStarts(patched.text);
  const edits = patched.runs.map((run) => {
    // A run that reaches the end of both texts has no newline after it: the one before it goes instead.
    const atEnd = run.oldTo === oldStarts.length - 1 && run.newTo === newStarts.length - 1 && run.oldFrom > 0 && run.newFrom > 0 ? 1 : 0;
    return {
      oldStart: oldStarts[run.oldFrom]! - atEnd,
      oldEnd: Math.min(oldStarts[run.oldTo]! - atEnd, oldText.length),
      newStart: newStarts[run.newFrom]! - atEnd,
      newEnd: Math.min(newStarts[run.newTo]! - atEnd, patched.text.length),
    };
  });
  return { text: patched.text, edits };
}

/** Where each line starts, and one more entry: the text's length plus one (a newline after the last line). */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) starts.push(at + 1);
  starts.push(text.length + 1);
  return starts;
}

/** The same edits seen from the other side. */
export const reversedEdits = (edits: readonly TextEdit[]): TextEdit[] => edits.map((e) => ({ oldStart: e.newStart, oldEnd: e.newEnd, newStart: e.oldStart, newEnd: e.oldEnd }));

/** Whole-file images for both sides: rows inside hunks carry their change. */
export function parseWholeFile(file: string, text: string, side: Side, diff: FileDiff, from?: OtherSide): ParsedImage {
  const lines = text.split('\n');
  const rows: ImageLine[] = lines.map((_, i) => ({ fileLine: i + 1, change: 'context-from-tree', hunk: -1 }));
  diff.hunks.forEach((hunk, h) => {
    for (const line of hunk.lines) {
      const n = side === 'old' ? line.oldLine : line.newLine;
      if (n === undefined || (side === 'old' ? line.change === 'added' : line.change === 'removed')) continue;
      const row = rows[n - 1];
      if (row) {
        row.change = line.change;
        row.hunk = h;
      }
    }
  });
  return { file, side, text, rows, tree: parseNamingPlace(text, (row) => `${file}:${row + 1}`, from ?? true), enclosingFunction: null, wholeFile: true };
}

const sectionFunctions = new Map<string, string | null>();
/** Hunk headers remembered: a bound, as for snippets (tree-sitter.ts). */
const SECTION_CACHE_LIMIT = 4096;

/** The function a hunk header names: `static int f(struct x *a,` → `f`. Each header is parsed once. */
export function sectionFunction(section: string): string | null {
  let name = sectionFunctions.get(section);
  if (name === undefined) {
    name = sectionFunctionOf(section);
    if (sectionFunctions.size >= SECTION_CACHE_LIMIT) sectionFunctions.clear();
    sectionFunctions.set(section, name);
  }
  return name;
}

function sectionFunctionOf(section: string): string | null {
  const trimmed = section.trim();
  if (!trimmed?.includes('(')) return null;
  const b = balanceOf(trimmed);
  const tree = parseC(`${trimmed}${')'.repeat(b.unclosedParens)};`);
  const declarator = tree.rootNode.descendantsOfType('function_declarator')[0];
  const name = declarator?.childForFieldName('declarator');
  if (name && (name.type === 'identifier' || name.type === 'field_identifier')) return name.text;
  // Xen's `static void cf_check f(...)` and other attribute-like words confuse
  // the grammar; the identifier right before the first `(` is then the name.
  const beforeParen = /([A-Za-z_]\w*)\s*\($/.exec(trimmed.slice(0, trimmed.indexOf('(') + 1));
  return beforeParen?.[1] ?? null;
}

/** parseC (parseFile for a whole file, perhaps from its other side: remembered), with a too-deep error placed in the patched file. */
function parseNamingPlace(text: string, place: (row: number) => string, wholeFile: boolean | OtherSide = false): ReturnType<typeof parseC> {
  try {
    return wholeFile === false ? parseC(text) : parseFile(text, wholeFile === true ? undefined : wholeFile);
  } catch (error) {
    if (error instanceof TooDeepError && !error.where) throw new TooDeepError(error.row, place(error.row));
    throw error;
  }
}
