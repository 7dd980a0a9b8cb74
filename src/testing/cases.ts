import { existsSync, readdirSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import type { FixtureCase, ToolError } from '../types.js';

/** The files `flushcheck test` runs; everything else in a directory is a sidecar or ignored. */
export const CASE_EXTENSIONS = ['.patch', '.diff', '.mbox', '.eml', '.txt'] as const;

export interface Discovery {
  cases: FixtureCase[];
  /** `.expect` files no case claims (renamed or deleted cases leave them behind). */
  orphans: string[];
  /** Two cases that would share one sidecar name (`x.patch` and `x.diff`). */
  clashes: { expect: string; inputs: string[] }[];
  errors: ToolError[];
}

const caseBase = (name: string): string | undefined => {
  const ext = CASE_EXTENSIONS.find((e) => name.endsWith(e) && name.length > e.length);
  return ext ? name.slice(0, -ext.length) : undefined;
};

function caseOf(dir: string, name: string, base: string): FixtureCase {
  const tree = join(dir, `${base}.tree`);
  const options = join(dir, `${base}.json`);
  return {
    input: join(dir, name),
    expect: join(dir, `${base}.expect`),
    ...(existsSync(tree) && statSync(tree).isDirectory() ? { tree } : {}),
    ...(existsSync(options) && statSync(options).isFile() ? { options } : {}),
  };
}

/** Walks one directory: dot entries and `<name>.tree/` sidecars are not searched. */
function walk(dir: string, out: Discovery): void {
  const names = readdirSync(dir).sort();
  const bases = new Map<string, string[]>();
  for (const name of names) {
    if (name.startsWith('.') || name === 'node_modules') continue;
    const full = join(dir, name);
    const st = statSync(full);
    if (st.isDirectory()) {
      if (!name.endsWith('.tree')) walk(full, out);
      continue;
    }
    const base = caseBase(name);
    if (!st.isFile() || base === undefined) continue;
    bases.set(base, [...(bases.get(base) ?? []), name]);
    out.cases.push(caseOf(dir, name, base));
  }
  for (const [base, inputs] of bases) if (inputs.length > 1) out.clashes.push({ expect: join(dir, `${base}.expect`), inputs: inputs.map((n) => join(dir, n)) });
  for (const name of names) {
    if (!name.endsWith('.expect') || name.startsWith('.')) continue;
    if (!bases.has(name.slice(0, -'.expect'.length))) out.orphans.push(join(dir, name));
  }
}

/** The cases under each path, in path order; a file argument is a case of its own. */
export function discoverCases(paths: readonly string[]): Discovery {
  const out: Discovery = { cases: [], orphans: [], clashes: [], errors: [] };
  for (const path of paths) {
    let st: Stats;
    try {
      st = statSync(path);
    } catch {
      out.errors.push({ file: path, code: 'enoent', message: 'no such file or directory' });
      continue;
    }
    if (st.isDirectory()) {
      walk(path, out);
      continue;
    }
    const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
    const name = path.slice(slash + 1);
    const base = caseBase(name);
    if (base === undefined) out.errors.push({ file: path, code: 'not-a-case', message: `not a test case (expected a directory or a ${CASE_EXTENSIONS.join(', ')} file)` });
    else out.cases.push(caseOf(slash < 0 ? '.' : path.slice(0, slash), name, base));
  }
  // One case reached twice (a directory and a file in it) runs once.
  const seen = new Set<string>();
  out.cases = out.cases.filter((c) => !seen.has(c.input) && seen.add(c.input));
  out.cases.sort((a, b) => (a.input < b.input ? -1 : a.input > b.input ? 1 : 0));
  out.orphans.sort();
  return out;
}
