import type { Site, SiteChange, SiteKind } from '../types.js';
import { imageFlat, type ParsedImage } from '../parser/c/images.js';
import { normalizeSpace, type SyntaxNode } from '../parser/c/tree-sitter.js';
import type { Collected, CollectedDefinition } from '../types.js';
import { collect, isBookkeepingCall, type CollectOptions } from './collect.js';
import { BUILTIN_FLUSH_API, isFlushFlag } from '../xen/flush-api.js';
import { fitted } from '../util/fitted.js';

/** Collects every image, filling in which calls each function body makes. */
export function collectAll(images: readonly ParsedImage[], options: CollectOptions = {}): Collected[] {
  return images.map((image) => {
    const collected = collect(image, options);
    if (collected.calls.length > 0) addCallsMade(collected);
    return collected;
  });
}

/** The images a patch's records come from, in the order they are met. */
export function imagesOf(collected: readonly Collected[]): ParsedImage[] {
  const images = new Set<ParsedImage>();
  for (const c of collected) {
    for (const d of c.definitions) images.add(d.image);
    for (const call of c.calls) images.add(call.image);
    for (const use of c.uses) images.add(use.image);
  }
  return [...images];
}

/**
 * A patch's records without the calls no stage reads once its sites are
 * found: in a hunk that defines nothing, a call that is not a flush or its
 * bookkeeping and is made in a function the patch does not define (most of a
 * patch's calls: spin_lock() and the like). The stages read calls as sites,
 * as the bodies of the functions the patch defines (model/database.ts, by
 * image or by enclosing name within a file), at file scope (functions a
 * macro generates), and in whole files; classify reads the images through
 * `PatchAnalysis.images`, not through the calls.
 */
export function callsTheStagesRead(collected: readonly Collected[], family: ReadonlySet<string>): Collected[] {
  const definedIn = new Map<string, Set<string>>();
  const defining = new Set<ParsedImage>();
  for (const c of collected) {
    for (const d of c.definitions) {
      defining.add(d.image);
      const names = definedIn.get(d.image.file) ?? new Set<string>();
      names.add(d.name);
      definedIn.set(d.image.file, names);
    }
  }
  const read = (call: Collected['calls'][number]): boolean =>
    call.image.wholeFile ||
    defining.has(call.image) ||
    call.enclosing === null ||
    family.has(call.name) ||
    isBookkeepingCall(call.name) ||
    definedIn.get(call.image.file)?.has(call.enclosing) === true;
  return collected.map((c) => {
    const calls = c.calls.filter(read);
    return calls.length === c.calls.length ? c : { ...c, calls: fitted(calls) };
  });
}

/**
 * Each function body's references: the calls made inside it. A call is
 * matched by the function it names as enclosing, not against every
 * function: a whole file is thousands of calls in hundreds of functions.
 */
function addCallsMade(collected: Collected): void {
  const bodies = new Map<string, { def: CollectedDefinition; start: number; end: number }[]>();
  for (const def of collected.definitions) {
    if (def.form !== 'inline-function' && def.form !== 'function') continue;
    const { start, end } = placeOf(def.image, def.at, () => def.node);
    const named = bodies.get(def.name);
    if (named) named.push({ def, start, end });
    else bodies.set(def.name, [{ def, start, end }]);
  }
  for (const call of collected.calls) {
    if (call.enclosing === null) continue;
    for (const body of bodies.get(call.enclosing) ?? []) if (call.start >= body.start && call.end <= body.end) body.def.references.add(call.name);
  }
}

/**
 * Grows the family to a fixpoint: a macro or inline function whose body uses a
 * member is a helper on top of the flush API (the seed's `flush_tlb_mask_sync`).
 */
export function extendFamily(definitions: readonly (Pick<CollectedDefinition, 'name' | 'form' | 'references'> & { body?: string })[], family: Set<string>): void {
  for (let changed = true; changed; ) {
    changed = false;
    for (const def of definitions) {
      if (family.has(def.name) || isFlushFlag(def.name)) continue;
      if (def.form !== 'object-macro' && def.form !== 'function-macro' && def.form !== 'inline-function') continue;
      // A macro's references are its body's identifiers: a body that holds no family name as text has none.
      if (def.form !== 'inline-function' && def.body !== undefined && !mentionsAny(def.body, family)) continue;
      for (const ref of def.references) {
        if (family.has(ref)) {
          family.add(def.name);
          changed = true;
          break;
        }
      }
    }
  }
}

const mentionsAny = (text: string, names: ReadonlySet<string>): boolean => {
  for (const name of names) if (text.includes(name)) return true;
  return false;
};

export const builtinFamily = (): Set<string> => new Set(BUILTIN_FLUSH_API);

/** What the patch did to the rows a node spans, on its side; undefined when
 *  the node is not part of the patch (tree text outside the hunks). */
function changeOf(image: ParsedImage, first: number, last: number): { change: SiteChange; row: number } | undefined {
  let changed = false;
  let inHunk = false;
  let firstReal = -1;
  for (let r = first; r <= last; r++) {
    const row = image.rows[r];
    if (!row || row.change === 'synthetic') continue;
    if (firstReal < 0) firstReal = r;
    if (row.change === 'added' || row.change === 'removed') changed = true;
    else if (row.change === 'unchanged') inHunk = true;
  }
  if (firstReal < 0) return undefined;
  if (image.side === 'old') return changed ? { change: 'removed', row: firstReal } : undefined;
  if (changed) return { change: 'added', row: firstReal };
  return inHunk ? { change: 'unchanged', row: firstReal } : undefined;
}

function isPartial(image: ParsedImage, node: Place): boolean {
  for (let r = node.startRow, last = node.endRow; r <= last; r++) if (image.rows[r]?.change === 'synthetic') return true;
  return false;
}

/** Where a record lies in its image, as tree-sitter counts rows and columns (0-based). */
interface Place {
  start: number;
  end: number;
  startRow: number;
  startColumn: number;
  endRow: number;
  endColumn: number;
  text: string;
}

/**
 * A record's place, read from its image's flat tree when the record knows its
 * index there: a hunk's native tree may be gone (images.ts holds it weakly),
 * and its node would mean parsing the text again.
 */
function placeOf(image: ParsedImage, at: number | undefined, node: () => SyntaxNode): Place {
  if (at === undefined) {
    const n = node();
    return { start: n.startIndex, end: n.endIndex, startRow: n.startPosition.row, startColumn: n.startPosition.column, endRow: n.endPosition.row, endColumn: n.endPosition.column, text: n.text };
  }
  const flat = imageFlat(image);
  const start = flat.start(at);
  const end = flat.end(at);
  return { start, end, startRow: flat.row(start), startColumn: flat.column(start), endRow: flat.row(end), endColumn: flat.column(end), text: flat.text(at) };
}

interface SiteInput {
  patch: number;
  image: ParsedImage;
  node: Place;
  /** Rows that locate the site (a function's signature, not its body). */
  lastRow: number;
  api: string;
  kind: SiteKind;
  fn: string | null;
  text: string;
}

/**
 * A site's id, the one way every stage names a site (patch sites, tree sites,
 * `MEMF_no_tlbflush` setters): stable for a run, unique per patch, side,
 * place and API. Findings point at sites by it.
 */
export const siteId = (s: Pick<Site, 'patch' | 'file' | 'side' | 'line' | 'column' | 'api'>): string => `p${s.patch}:${s.file}:${s.side}:${s.line}:${s.column}:${s.api}`;

function makeSite(input: SiteInput, extra: Partial<Site>): Site | undefined {
  const { image, node } = input;
  // A node that ends at column 0 (a macro's newline) does not reach into that row.
  const endsAtRowStart = input.lastRow === node.endRow && node.endColumn === 0 && input.lastRow > node.startRow;
  const located = changeOf(image, node.startRow, endsAtRowStart ? input.lastRow - 1 : input.lastRow);
  if (!located) return undefined;
  const row = image.rows[located.row]!;
  const column = located.row === node.startRow ? node.startColumn + 1 : 1;
  return {
    id: siteId({ patch: input.patch, file: image.file, side: image.side, line: row.fileLine, column, api: input.api }),
    patch: input.patch,
    file: image.file,
    line: row.fileLine,
    column,
    side: image.side,
    change: located.change,
    function: input.fn,
    api: input.api,
    kind: input.kind,
    text: input.text,
    guards: [],
    ...extra,
  };
}

/** The sites of one patch's images, given the family of flush names. */
export function sitesOf(patch: number, collected: readonly Collected[], family: ReadonlySet<string>): Site[] {
  const sites: Site[] = [];
  const push = (site: Site | undefined): void => {
    if (site) sites.push(site);
  };
  const familyKind = (name: string): Site['family'] => (BUILTIN_FLUSH_API.includes(name) ? 'builtin' : 'helper');
  for (const c of collected) {
    for (const call of c.calls) {
      const isFlush = family.has(call.name);
      if (!isFlush && !isBookkeepingCall(call.name)) continue;
      const node = placeOf(call.image, call.at, () => call.node);
      const base = { patch, image: call.image, node, lastRow: node.endRow, api: call.name, fn: call.enclosing, text: normalizeSpace(node.text) };
      push(makeSite({ ...base, kind: isFlush ? 'call' : 'flag-use' }, { args: call.args, guards: call.guards, ...(isFlush ? { family: familyKind(call.name) } : {}) }));
    }
    for (const use of c.uses) {
      const node = placeOf(use.image, use.at, () => use.node);
      const row = node.startRow;
      const line = use.image.text.split('\n', row + 1)[row] ?? use.name;
      push(makeSite({ patch, image: use.image, node, lastRow: node.endRow, api: use.name, kind: 'flag-use', fn: use.enclosing, text: normalizeSpace(line) }, { guards: use.guards }));
    }
    for (const def of c.definitions) {
      const isFlag = isFlushFlag(def.name) && def.form === 'object-macro';
      if (!family.has(def.name) && !isFlag) continue;
      const node = placeOf(def.image, def.at, () => def.node);
      const firstLine = node.text.split('\n')[0] ?? def.name;
      const isFunction = def.form === 'inline-function' || def.form === 'function';
      const partial = isPartial(def.image, node);
      push(
        makeSite(
          {
            patch,
            image: def.image,
            node,
            lastRow: placeOf(def.image, def.headAt, () => def.head).endRow,
            api: def.name,
            kind: 'definition',
            fn: isFunction ? def.name : null,
            text: normalizeSpace(firstLine.replace(/\\$/, '')),
          },
          {
            definition: {
              form: def.form,
              ...(def.params ? { params: def.params } : {}),
              ...(def.body !== undefined ? { body: def.body } : {}),
              conditions: def.conditions,
              ...(partial ? { partial } : {}),
            },
            ...(isFlag ? {} : { family: familyKind(def.name) }),
          },
        ),
      );
    }
  }
  return sortSites(dedupe(sites));
}

function dedupe(sites: Site[]): Site[] {
  const seen = new Set<string>();
  return sites.filter((s) => {
    const key = `${s.id}:${s.kind}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function sortSites(sites: Site[]): Site[] {
  return sites.sort((a, b) => a.patch - b.patch || cmp(a.file, b.file) || a.line - b.line || cmp(a.side, b.side) || a.column - b.column || cmp(a.api, b.api) || cmp(a.kind, b.kind));
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
