import { posix } from 'node:path';
import type { BaseTreeReader, CollectedDefinition, Patch } from '../types.js';
import { parseWholeFile } from '../parser/c/images.js';
import { parseC } from '../parser/c/tree-sitter.js';
import { mayContainSite } from '../xen/flush-api.js';
import { PORTS } from '../xen/ports.js';
import { collectAll } from './find-sites.js';

/** Where `#include <dir/x.h>` and `#include "x.h"` land in a Xen tree, both layouts. */
function includeCandidates(from: string, include: string, system: boolean): string[] {
  // Trees scanned from xen/ itself drop the prefix.
  const prefix = from.startsWith('xen/') ? 'xen/' : '';
  if (!system) return [posix.normalize(posix.join(posix.dirname(from), include))];
  const [dir, ...rest] = include.split('/');
  const name = rest.join('/');
  if (dir === 'asm' && name) return PORTS.flatMap(({ arch: p }) => [`${prefix}arch/${p}/include/asm/${name}`, `${prefix}include/asm-${p}/${name}`]);
  return [`${prefix}include/${include}`];
}

// Keyed by the reader: a run's view of the tree (util/run-context.ts), so nothing outlives the run.
const caches = new WeakMap<BaseTreeReader, Map<string, CollectedDefinition[]>>();

/**
 * Definitions in the headers the patched files include, read from the base
 * tree: a helper defined in a header the patch leaves alone (`#define
 * flush_reused(m) flush_mask(m, FLUSH_TLB | FLUSH_NO_ASSIST)`) is still a
 * flush when the patch calls it. One level of includes, each header parsed
 * once per tree reader.
 */
export function treeHeaderDefinitions(patch: Patch, base: BaseTreeReader, family: ReadonlySet<string>): CollectedDefinition[] {
  const headers = new Set<string>();
  for (const file of patch.files) {
    const path = file.oldPath ?? file.newPath;
    if (!path || !/\.(c|h)$/.test(path)) continue;
    const text = base.read(path);
    if (!text?.includes('#include')) continue;
    // The directives alone: the whole file is parsed once, later, by the site finder.
    const directives = text
      .split('\n')
      .filter((l) => /^\s*#\s*include\b/.test(l))
      .join('\n');
    for (const node of parseC(directives).rootNode.descendantsOfType('preproc_include')) {
      const target = node.childForFieldName('path');
      if (!target) continue;
      const system = target.type === 'system_lib_string';
      const include = target.text.slice(1, -1);
      for (const candidate of includeCandidates(path, include, system)) headers.add(candidate);
    }
  }
  const out: CollectedDefinition[] = [];
  let cache = caches.get(base);
  if (!cache) {
    cache = new Map();
    caches.set(base, cache);
  }
  for (const header of [...headers].sort()) {
    const key = header;
    let defs = cache.get(key);
    if (!defs) {
      const text = base.read(header);
      defs =
        text !== undefined && mayContainSite(text, family)
          ? collectAll([parseWholeFile(header, text, 'new', { oldPath: header, newPath: header, status: 'modified', hunks: [], notes: [] })])[0]!.definitions
          : [];
      cache.set(key, defs);
    }
    for (const d of defs) out.push(d);
  }
  return out;
}
