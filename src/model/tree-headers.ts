import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Arch, BaseTreeReader, Collected, CollectedDefinition, ImageLine, ParsedImage } from '../types.js';
import { collectAll } from '../sites/find-sites.js';
import { collect, functionDeclarator, macroBody } from '../sites/collect.js';
import { isolateFunction } from '../parser/c/isolate.js';
import { parseC, parseFile, type SyntaxNode } from '../parser/c/tree-sitter.js';
import { treeCorpus } from '../parser/tree-corpus.js';
import { definitionsFrom, staticLayer, type Layer, type ModelDefinition } from './database.js';
import { asmDirs, COMMON_FLUSH_HEADERS, portOf, PORTS } from '../xen/ports.js';

/**
 * The base tree's flush headers, per architecture, in both layouts Xen has
 * used (`xen/include/asm-<arch>/` before 4.17, `xen/arch/<arch>/include/asm/`
 * since), plus the common headers and, for a flush function the headers only
 * declare, the sources that define it. Each file is parsed once per tree
 * reader: the pipeline gives each run its own (util/run-context.ts).
 */

const ASM_DIRS = asmDirs;

/** Headers that define an architecture's flush API (src/xen/ports.ts). */
export function archHeaders(arch: Arch): string[] {
  return ASM_DIRS(arch).flatMap((dir) => portOf(arch).headers.map((f) => `${dir}/${f}`));
}

/** Common headers that build flush helpers on top of the architecture's. */
export const COMMON_HEADERS: readonly string[] = COMMON_FLUSH_HEADERS;

/** Sources that define out-of-line flush functions when the tree cannot be listed. */
const KNOWN_SOURCES = (scope: Arch | 'common'): string[] => (scope === 'common' ? [] : portOf(scope).sources.map((f) => `xen/arch/${scope}/${f}`));

interface TreeFile {
  text: string;
  collected: Collected;
  definitions?: ModelDefinition[];
}

// Keyed by the reader: a run's view of a tree, so a file changed between runs is read again.
const fileCaches = new WeakMap<BaseTreeReader, Map<string, TreeFile | null>>();
const listingCaches = new WeakMap<BaseTreeReader, Map<string, string[]>>();

function cacheOf<T>(caches: WeakMap<BaseTreeReader, Map<string, T>>, base: BaseTreeReader): Map<string, T> {
  let cache = caches.get(base);
  if (!cache) {
    cache = new Map();
    caches.set(base, cache);
  }
  return cache;
}

/** A whole tree file as its own image (rows marked as tree context). */
function treeFileImage(path: string, text: string, remember = true): ParsedImage {
  const rows: ImageLine[] = text.split('\n').map((_, i) => ({ fileLine: i + 1, change: 'context-from-tree', hunk: -1 }));
  return { file: path, side: 'new', text, rows, tree: remember ? parseFile(text) : parseC(text), enclosingFunction: null, wholeFile: true };
}

/** Parses a whole tree file as its own image (rows marked as tree context). */
export function parseTreeFile(path: string, text: string): Collected {
  return collectAll([treeFileImage(path, text)])[0]!;
}

// The parse of each tree file, once per reader, whoever collects from it (the whole file, or one function).
const imageCaches = new WeakMap<BaseTreeReader, Map<string, ParsedImage | null>>();

function loadTreeImage(base: BaseTreeReader, path: string): ParsedImage | null {
  const cache = cacheOf(imageCaches, base);
  if (cache.has(path)) return cache.get(path)!;
  const text = treeCorpus(base, 'existing')?.text(path) ?? base.read(path);
  const image = text === undefined ? null : treeFileImage(path, text);
  cache.set(path, image);
  return image;
}

/** A tree file, read and parsed once per reader; null when absent. */
export function loadTreeFile(base: BaseTreeReader, path: string): TreeFile | null {
  const cache = cacheOf(fileCaches, base);
  if (cache.has(path)) return cache.get(path)!;
  const image = loadTreeImage(base, path);
  const file = image === null ? null : { text: image.text, collected: collectAll([image])[0]! };
  cache.set(path, file);
  return file;
}

/** A function-like macro of a tree file: what a local's value may expand. */
export interface TreeMacro {
  name: string;
  form: 'function-macro';
  body?: string;
}

/** One function of a tree file: its definitions, and the file's function-like macros. */
export interface TreeFunction {
  definitions: ModelDefinition[];
  macros: TreeMacro[];
}

const functionCaches = new WeakMap<BaseTreeReader, Map<string, TreeFunction | null>>();

const definedName = (node: SyntaxNode): string | undefined => functionDeclarator(node.childForFieldName('declarator'))?.childForFieldName('declarator')?.text;

const macrosOf = (definitions: readonly CollectedDefinition[]): TreeMacro[] =>
  definitions.filter((d) => d.form === 'function-macro').map((d) => ({ name: d.name, form: 'function-macro', ...(d.body !== undefined ? { body: d.body } : {}) }));

/**
 * The definitions of function `fn` in a tree file, with the calls they make,
 * and the file's function-like macros, once per reader: only that function's
 * subtree is walked (a large file such as `mm.c` holds thousands of calls), so
 * its definitions carry no `#if` conditions from outside the function; the
 * whole file's collection is used when a stage made it already.
 */
export function treeFunction(base: BaseTreeReader, path: string, fn: string): TreeFunction | null {
  const cache = cacheOf(functionCaches, base);
  const key = `${path}\u0000${fn}`;
  if (cache.has(key)) return cache.get(key)!;
  const whole = fileCaches.get(base)?.get(path)?.collected;
  let found: TreeFunction | null = null;
  if (whole) found = { definitions: definitionsFrom([whole], { kind: 'tree', only: fn }), macros: macrosOf(whole.definitions) };
  else {
    // The file parsed whole when a stage has it; else the file with only this function's body kept.
    const parsed = cacheOf(imageCaches, base).get(path);
    const text = parsed === undefined ? readTreeText(base, path) : undefined;
    const isolated = text === undefined ? undefined : isolateFunction(text, fn);
    const lean = isolated === undefined ? undefined : functionIn(treeFileImage(path, isolated, false), fn, text);
    const image = lean ? undefined : loadTreeImage(base, path);
    found = lean ?? (image ? (functionIn(image, fn) ?? null) : null);
  }
  cache.set(key, found);
  return found;
}

/**
 * Function `fn` of an image, with the image's macros. Given the file's
 * `original` text (the image holds it with other bodies blanked), undefined
 * unless each definition came out whole: present, without errors, its text
 * the file's own at the same place.
 */
function functionIn(image: ParsedImage, fn: string, original?: string): TreeFunction | undefined {
  const root = image.tree.rootNode;
  const functions = root.descendantsOfType('function_definition').filter((node) => image.text.slice(node.startIndex, node.endIndex).includes(fn) && definedName(node) === fn);
  const whole = (node: SyntaxNode): boolean => !node.hasError && image.text.slice(node.startIndex, node.endIndex) === original!.slice(node.startIndex, node.endIndex);
  if (original !== undefined && (functions.length === 0 || !functions.every(whole))) return undefined;
  const collected = functions.map((node) => collect(image, { callsIn: fn, within: node }));
  const macros = root.descendantsOfType('preproc_function_def').flatMap((node): TreeMacro[] => {
    const name = node.childForFieldName('name');
    const value = node.childForFieldName('value');
    return name ? [{ name: name.text, form: 'function-macro', ...(value ? { body: macroBody(value.text) } : {}) }] : [];
  });
  return { definitions: definitionsFrom(collected, { kind: 'tree', only: fn }), macros };
}

/** A tree file's definitions, built once per reader. */
export function treeDefinitions(base: BaseTreeReader, path: string): ModelDefinition[] {
  const file = loadTreeFile(base, path);
  if (!file) return [];
  file.definitions ??= definitionsFrom([file.collected], { kind: 'tree' });
  return file.definitions;
}

// Texts read for pre-filters, once per reader (a directory is searched for many names); bounded.
const textCaches = new WeakMap<BaseTreeReader, Map<string, string | null>>();
const TEXT_CACHE_LIMIT = 1024;

/** Raw text of a tree file without parsing it (cheap pre-filters): the parse's, the run's corpus', or read once. */
export function readTreeText(base: BaseTreeReader, path: string): string | undefined {
  const parsed = fileCaches.get(base)?.get(path);
  if (parsed) return parsed.text;
  const fromCorpus = treeCorpus(base, 'existing')?.text(path);
  if (fromCorpus !== undefined) return fromCorpus;
  const cache = cacheOf(textCaches, base);
  let text = cache.get(path);
  if (text === undefined) {
    text = base.read(path) ?? null;
    if (cache.size >= TEXT_CACHE_LIMIT) cache.clear();
    cache.set(path, text);
  }
  return text ?? undefined;
}

/** A function body (`name(...) {` with no `;` between) or a `#define` of `name`: a superset of where it is defined. */
function mayDefine(text: string, name: string): boolean {
  if (!/^[A-Za-z_]\w*$/.test(name)) return true;
  return new RegExp(`(?<![\\w$])${name}\\s*\\([^;{]*\\{|#\\s*define\\s+${name}(?![\\w$])`).test(text);
}

/** C files of one directory of a directory tree (not recursive), sorted. */
function listC(base: BaseTreeReader, dir: string): string[] {
  if (!base.directory) return [];
  const cache = cacheOf(listingCaches, base);
  let list = cache.get(dir);
  if (!list) {
    try {
      list = readdirSync(join(base.directory, dir), { withFileTypes: true })
        .filter((e) => e.isFile() && e.name.endsWith('.c'))
        .map((e) => `${dir}/${e.name}`)
        .sort();
    } catch {
      list = [];
    }
    cache.set(dir, list);
  }
  return list;
}

/** Which architectures' flush headers the tree has. */
export function archesInTree(base: BaseTreeReader): Arch[] {
  return PORTS.map((p) => p.arch).filter((a) => ASM_DIRS(a).some((dir) => loadTreeFile(base, `${dir}/flushtlb.h`) !== null));
}

/**
 * The tree as a layer: its flush headers for the given architectures, and,
 * for a flush function they only declare, the arch (or common) sources that
 * mention it (also, when asked for a body, a function the headers declare,
 * e.g. one that computes flags). `skip` drops definitions the patch replaces.
 */
export function treeLayer(base: BaseTreeReader, arches: readonly Arch[], family: ReadonlySet<string>, skip: (def: ModelDefinition) => boolean = () => false): Layer {
  const paths = [...new Set([...arches.flatMap(archHeaders), ...COMMON_HEADERS])];
  const definitions = paths.flatMap((p) => treeDefinitions(base, p));
  const sourceDefinitions = new Map<string, ModelDefinition[]>();
  const lazy = (name: string, arch: Arch, wantBody: boolean, declared: boolean): readonly ModelDefinition[] => {
    // Bounded: flushes, and functions the flush headers declare (flag helpers).
    if (!family.has(name) && !(wantBody && declared)) return [];
    const key = `${arch}\u0000${name}`;
    let found = sourceDefinitions.get(key);
    if (!found) {
      found = [];
      for (const scope of [arch, 'common'] as const) {
        const dir = scope === 'common' ? 'xen/common' : `xen/arch/${scope}`;
        const files = [...new Set([...KNOWN_SOURCES(scope), ...listC(base, dir)])];
        // One byte search of the run's corpus when a stage has read it or a prefetch is reading it
        // (never read here for this alone: a patch without sites looks up flush_area_mask in two
        // directories, not the tree).
        const corpus = treeCorpus(base, 'started');
        const mentioning = corpus?.filesMentioning(name, `${dir}/`);
        for (const path of files) {
          const at = corpus?.indexOf(path);
          if (at !== undefined && !mentioning!.has(at)) continue;
          // Parse only files that may define the name (most files that mention a flush only call it).
          const text = readTreeText(base, path);
          if (text === undefined || !text.includes(name) || !mayDefine(text, name)) continue;
          const file = loadTreeFile(base, path);
          if (!file) continue;
          const defs = definitionsFrom([file.collected], { kind: 'tree', only: name });
          found.push(...defs.filter((d) => d.form !== 'declaration' && !skip(d)));
        }
      }
      sourceDefinitions.set(key, found);
    }
    return found;
  };
  return staticLayer(
    'tree',
    definitions.filter((d) => !skip(d)),
    lazy,
  );
}
