import type { Arch, BaseTreeReader, FlushModel } from '../../src/types.js';
import { builtinLayer } from '../../src/xen/builtin-model.js';
import { modelCall } from '../../src/model/call-model.js';
import { DefinitionDb, type Layer } from '../../src/model/database.js';
import { parseExpression } from '../../src/parser/c/tree-sitter.js';
import { parseTreeFile, treeLayer } from '../../src/model/tree-headers.js';
import { DEFAULT_CONFIG } from '../../src/pipeline/index.js';
import { builtinFamily, extendFamily } from '../../src/sites/find-sites.js';

let trees = 0;

/** A base tree held in memory: path → text. Each one is a new tree for the parse cache. */
export function memoryTree(files: Record<string, string>): BaseTreeReader {
  const id = ++trees;
  return { label: `memory:${id}`, read: (path) => (Object.hasOwn(files, path) ? files[path] : undefined) };
}

/** The flush family as the site finder would grow it from these files. */
export function familyOf(files: Record<string, string>): Set<string> {
  const family = builtinFamily();
  extendFamily(
    Object.entries(files).flatMap(([path, text]) => parseTreeFile(path, text).definitions),
    family,
  );
  return family;
}

export interface ModelInput {
  files: Record<string, string>;
  /** The call as written, e.g. `flush_tlb_mask(mask)`. */
  call: string;
  arch?: Arch;
  config?: Record<string, boolean>;
  /** Search the built-in model after the tree (default true). */
  builtin?: boolean;
}

/** Models one call against an in-memory tree (and the built-in model). */
export function modelIn(input: ModelInput): FlushModel {
  const arch = input.arch ?? 'x86';
  const node = parseExpression(input.call);
  if (node?.type !== 'call_expression') throw new Error(`not a call: ${input.call}`);
  const name = node.childForFieldName('function')!.text;
  const args = node.childForFieldName('arguments')!.namedChildren.map((a) => ({ text: a.text, origin: 'patch:caller.c:1' }));
  const family = familyOf(input.files);
  const layers: Layer[] = [treeLayer(memoryTree(input.files), [arch], family)];
  if (input.builtin !== false) layers.push(builtinLayer());
  const db = new DefinitionDb(arch, input.config ?? DEFAULT_CONFIG, layers);
  return modelCall(name, args, { db, family });
}
