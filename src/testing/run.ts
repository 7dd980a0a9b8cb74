import { closeSync, constants, existsSync, lstatSync, openSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, relative, isAbsolute } from 'node:path';
import type { Annotation, Arch, CaseProblem, CaseResult, FixtureCase, Result, ToolError } from '../types.js';
import { ARCHES, failed, ok } from '../types.js';
import { loadInput, withDecodedMail } from '../input.js';
import { DirTree } from '../parser/base-tree.js';
import { locateTree } from '../xen/tree-root.js';
import { readPatches } from '../parser/read-input.js';
import { DEFAULT_ARCHES, DEFAULT_CONFIG, review } from '../pipeline/index.js';
import { findRule } from '../rules/index.js';
import { caseAnnotations } from './annotations.js';
import { discoverCases } from './cases.js';
import { compareCase } from './compare.js';
import { formatExpectFile, parseExpectFile, type ExpectFile } from './expect-file.js';

export interface FixtureRunOptions {
  /** Write what the tool reports into each case's `.expect`. */
  update: boolean;
}

export interface FixtureRun {
  results: CaseResult[];
  /** `.expect` files no case claims: each is a failure. */
  orphans: string[];
  /** Sidecar names two cases would share: each is a failure. */
  clashes: { expect: string; inputs: string[] }[];
  /** Arguments that are not directories or cases: usage errors (exit 2). */
  errors: ToolError[];
  passed: number;
  failed: number;
}

interface CaseOptions {
  arches: Arch[];
  config: Record<string, boolean>;
}

/** `<name>.json`: `{ "arches": ["x86"], "config": { "CONFIG_PV": false } }`; unknown keys are refused. */
export function parseCaseOptions(path: string, text: string): Result<CaseOptions> {
  const bad = (message: string) => failed<CaseOptions>({ file: path, code: 'bad-case-options', message });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return bad(`not JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad('expected an object with "arches" and/or "config"');
  const options: CaseOptions = { arches: [...DEFAULT_ARCHES], config: { ...DEFAULT_CONFIG } };
  for (const [key, v] of Object.entries(value)) {
    if (key === 'arches') {
      if (!Array.isArray(v) || v.length === 0 || !v.every((a) => ARCHES.includes(a as Arch))) return bad(`"arches" must be a non-empty list of ${ARCHES.join(', ')}`);
      options.arches = v as Arch[];
    } else if (key === 'config') {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return bad('"config" must map CONFIG_ names to true or false');
      for (const [name, on] of Object.entries(v)) {
        if (!/^CONFIG_[A-Za-z0-9_]+$/.test(name) || typeof on !== 'boolean') return bad(`"config": "${name}" must be a CONFIG_ name set to true or false`);
        options.config[name] = on;
      }
    } else {
      return bad(`unknown key "${key}" (known: arches, config)`);
    }
  }
  return ok(options);
}

/** The real directories the cases were asked for in: a `.expect` is read and written only inside one. */
function fixtureRoots(paths: readonly string[]): string[] {
  return paths.flatMap((p) => {
    try {
      return [realpathSync(statSync(p).isDirectory() ? p : dirname(p))];
    } catch {
      return [];
    }
  });
}

const inside = (root: string, path: string): boolean => {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
};

/**
 * Why a case's `.expect` may not be read or written, if so: a symbolic link
 * (written through, it would change its target), or a directory that is,
 * once links are resolved, outside every fixture directory given.
 */
function expectPathProblem(path: string, roots: readonly string[], writing: boolean): string | undefined {
  let link = false;
  try {
    link = lstatSync(path).isSymbolicLink();
  } catch {
    link = false;
  }
  let realDir: string;
  try {
    realDir = link ? dirname(realpathSync(path)) : realpathSync(dirname(path));
  } catch {
    return link && writing ? 'is a symbolic link: not written through' : undefined;
  }
  if (!roots.some((root) => inside(root, realDir))) return 'is outside the fixture directories (after resolving links): not read or written';
  if (link && writing) return 'is a symbolic link: not written through';
  return undefined;
}

/**
 * Replaces the file by a new one (a temporary file renamed over it), never
 * opening the old one for writing: a hard link keeps its old contents.
 */
function replaceFile(path: string, text: string): void {
  const temp = `${path}.${process.pid}.tmp`;
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/** An annotation's rule, by id or slug; an id-shaped word no rule has is a mistake worth reporting. */
function resolveRule(word: string): { id: string } | { unknown: true } | undefined {
  const rule = findRule(word);
  if (rule) return { id: rule.meta.id };
  return /^[A-Za-z]+\d+$/.test(word) ? { unknown: true } : undefined;
}

async function runCase(c: FixtureCase, options: FixtureRunOptions, roots: readonly string[]): Promise<CaseResult> {
  const problems: CaseProblem[] = [];
  const error = (e: ToolError): void => {
    problems.push({ kind: 'error', text: `${[e.file, e.line].filter((x) => x !== undefined).join(':')}: ${e.message}` });
  };

  let caseOptions: CaseOptions = { arches: [...DEFAULT_ARCHES], config: { ...DEFAULT_CONFIG } };
  if (c.options) {
    const parsed = parseCaseOptions(c.options, readFileSync(c.options, 'utf8'));
    if (parsed.ok) caseOptions = parsed.value;
    else error(parsed.error);
  }
  let expectFile: ExpectFile | undefined;
  let expectBroken = false;
  const refused = expectPathProblem(c.expect, roots, options.update);
  if (refused) {
    problems.push({ kind: 'error', text: `${c.expect}: ${refused}` });
    return { case: c, passed: false, problems, actual: [], notes: [] };
  }
  if (existsSync(c.expect)) {
    const parsed = parseExpectFile(c.expect, readFileSync(c.expect, 'utf8'));
    if (parsed.ok) expectFile = parsed.value;
    else {
      error(parsed.error);
      expectBroken = true;
    }
  }
  const tree = c.tree ? new DirTree(locateTree(c.tree).root) : undefined;
  const source = await withDecodedMail(loadInput(c.input));
  const run = review([{ name: c.input, source }], {
    arches: caseOptions.arches,
    config: caseOptions.config,
    ...(tree && c.tree ? { tree, treeLabel: c.tree } : {}),
  });

  const annotations: Annotation[] = [];
  if (source.ok) {
    const read = readPatches(c.input, source.value.text, 0, source.value.mail);
    for (const a of read.ok ? caseAnnotations(read.value.patches, tree) : []) {
      const rule = resolveRule(a.rule);
      if (!rule) continue; // `ok: this is fine` in an ordinary comment
      if ('unknown' in rule) error({ file: a.at, code: 'unknown-rule', message: `${a.kind}: no rule ${a.rule}` });
      else annotations.push({ ...a, rule: rule.id });
    }
  }

  const judge = (expected: readonly string[] | undefined) => compareCase({ ...(expected ? { expected } : {}), annotations, findings: run.findings, errors: run.errors });
  let outcome = judge(expectFile?.lines);
  let updated = false;
  if (options.update) {
    const text = formatExpectFile(outcome.actual, expectFile?.header ?? []);
    if (!existsSync(c.expect) || readFileSync(c.expect, 'utf8') !== text) {
      replaceFile(c.expect, text);
      updated = true;
    }
    // A malformed .expect is replaced, so its error goes with it.
    problems.splice(0, problems.length, ...problems.filter((p) => !p.text.startsWith(`${c.expect}:`)));
    outcome = judge(outcome.actual);
    expectBroken = false;
  }
  // Against an unreadable .expect, the comparison would only repeat its error.
  const all = [...problems, ...(expectBroken ? [] : outcome.problems)];
  return { case: c, passed: all.length === 0, problems: all, actual: outcome.actual, notes: outcome.notes, ...(updated ? { updated } : {}) };
}

/** Runs every case under `paths`, in path order, through the real pipeline. */
export async function runFixtureTests(paths: readonly string[], options: FixtureRunOptions): Promise<FixtureRun> {
  const found = discoverCases(paths);
  const roots = fixtureRoots(paths);
  const clashing = new Set(found.clashes.flatMap((c) => c.inputs));
  const results: CaseResult[] = [];
  for (const c of found.cases) {
    if (!clashing.has(c.input)) {
      results.push(await runCase(c, options, roots));
      continue;
    }
    const clash = found.clashes.find((x) => x.inputs.includes(c.input))!;
    results.push({ case: c, passed: false, actual: [], notes: [], problems: [{ kind: 'error' as const, text: `${clash.inputs.join(' and ')} would share ${clash.expect}: rename one` }] });
  }
  const passed = results.filter((r) => r.passed).length;
  return {
    results,
    orphans: found.orphans,
    clashes: found.clashes,
    errors: found.errors,
    passed,
    failed: results.length - passed + found.orphans.length,
  };
}

const LABEL: Record<CaseProblem['kind'], string> = { missing: 'Missing', noisy: 'Noisy', error: 'Error' };

/** The runner's report: one line per failing case with its differences, then `N passed, N failed`. */
export function formatFixtureRun(run: FixtureRun): string {
  const out: string[] = [];
  for (const r of run.results) {
    if (r.updated) out.push(`updated ${r.case.expect}`);
    if (!r.passed) {
      const count = (kind: CaseProblem['kind'], word: string): string | undefined => {
        const n = r.problems.filter((p) => p.kind === kind).length;
        return n ? `${n} ${word}` : undefined;
      };
      const counts = [count('missing', 'missing'), count('noisy', 'noisy'), count('error', r.problems.filter((p) => p.kind === 'error').length === 1 ? 'error' : 'errors')].filter(Boolean);
      out.push(`FAIL ${r.case.input} (${counts.join(', ')})`);
      for (const p of r.problems) out.push(`  ${`${LABEL[p.kind]}:`.padEnd(9)}${p.text}${p.because ? `  [${p.because}]` : ''}`);
    }
    for (const note of r.notes) out.push(`note ${r.case.input}: ${note}`);
  }
  for (const orphan of run.orphans) out.push(`FAIL ${orphan} (no case: a .expect needs a .patch, .diff, .mbox, .eml or .txt of the same name)`);
  out.push(`${run.passed} passed, ${run.failed} failed`);
  return `${out.join('\n')}\n`;
}
