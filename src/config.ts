import { createRequire } from 'node:module';
import type AjvModule from 'ajv';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Arch, RootClass, RuleSetting } from './types.js';
import { findRule } from './rules/index.js';

/** `.flushcheck.json` as validated against schema/flushcheck-config.schema.json. */
export interface FlushcheckConfig {
  architectures?: Arch[];
  build?: Record<string, boolean>;
  roots?: Partial<Record<RootClass, string[]>>;
  /** By rule id once loaded (names are mapped to ids). */
  rules?: Record<string, RuleSetting>;
}

export const DEFAULT_CONFIG_FILE = '.flushcheck.json';

// The schema ships next to dist/ and src/ alike (package.json "files": schema).
const SCHEMA_PATH = new URL('../schema/flushcheck-config.schema.json', import.meta.url);

type Validate = ((data: unknown) => boolean) & { errors?: { instancePath: string; keyword: string; message?: string; params: Record<string, unknown> }[] | null };
let validator: Validate | undefined;

function validate(): Validate {
  if (!validator) {
    // Loaded on first use: most runs have no configuration file, and ajv is the
    // heaviest module at start-up. It is CommonJS: its class is `default`.
    const Ajv = (createRequire(import.meta.url)('ajv') as typeof AjvModule).default;
    const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as object;
    validator = new Ajv({ allErrors: false, strict: true }).compile(schema) as Validate;
  }
  return validator;
}

/** One line for the first thing wrong, naming where it is. */
function describeError(error: NonNullable<Validate['errors']>[number]): string {
  const at = error.instancePath ? error.instancePath.slice(1).replace(/\//g, '.') : 'top level';
  switch (error.keyword) {
    case 'additionalProperties':
      return `unknown key "${String(error.params.additionalProperty)}" at ${at}`;
    case 'propertyNames':
      return `bad key "${String(error.params.propertyName)}" at ${at}`;
    case 'enum':
      return `${at}: must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return `${at}: ${error.message ?? error.keyword}`;
  }
}

export type ConfigResult = { ok: true; config: FlushcheckConfig } | { ok: false; message: string };

/** Parses and validates a configuration text; errors are one line, without the file name. */
export function parseConfigText(text: string): ConfigResult {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { ok: false, message: `not valid JSON: ${(error as Error).message.split('\n')[0]}` };
  }
  const check = validate();
  if (!check(data)) {
    // The propertyNames keyword reports its pattern failure first; the outer error names the key.
    const errors = check.errors ?? [];
    const named = errors.find((e) => e.keyword === 'propertyNames') ?? errors[0];
    return { ok: false, message: named ? describeError(named) : 'invalid' };
  }
  const config = data as FlushcheckConfig & { $schema?: string };
  const rules: Record<string, RuleSetting> = {};
  for (const [name, setting] of Object.entries(config.rules ?? {})) {
    const rule = findRule(name);
    if (!rule) return { ok: false, message: `rules: unknown rule "${name}" (flushcheck rules lists them)` };
    if (rules[rule.meta.id] !== undefined) return { ok: false, message: `rules: "${name}" names ${rule.meta.id} a second time` };
    rules[rule.meta.id] = setting;
  }
  return {
    ok: true,
    config: {
      ...(config.architectures ? { architectures: config.architectures } : {}),
      ...(config.build ? { build: config.build } : {}),
      ...(config.roots ? { roots: config.roots } : {}),
      ...(config.rules ? { rules: Object.fromEntries(Object.entries(rules).sort(([a], [b]) => (a < b ? -1 : 1))) } : {}),
    },
  };
}

/** Where a discovered configuration file sits and how a run names it. */
export interface FoundConfig {
  /** Absolute path, for reading. */
  path: string;
  /** Relative to the repository root (the directory holding `.git`), `/`-separated; relative to `cwd` outside a repository. */
  name: string;
}

/**
 * `.flushcheck.json` in `cwd` or the nearest directory above it, up to the
 * repository root (the first directory holding `.git`, a directory or a
 * worktree's file) or the filesystem root. A subdirectory of a checkout
 * (`xen/arch/x86`) runs with the repository's configuration, as git and
 * linters do; a file above the repository is never read.
 */
export function findConfigFile(cwd: string): FoundConfig | undefined {
  let dir = resolve(cwd);
  let found: string | undefined;
  for (;;) {
    if (!found) {
      const candidate = join(dir, DEFAULT_CONFIG_FILE);
      if (isFile(candidate)) found = candidate;
    }
    if (existsSync(join(dir, '.git'))) {
      // Named from the repository root, as every other path in a report is, so
      // the same checkout gives the same settings on every machine.
      return found ? { path: found, name: relative(dir, found).split(sep).join('/') } : undefined;
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return found ? { path: found, name: relative(resolve(cwd), found).split(sep).join('/') } : undefined;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The configuration for a run: the named file (which must exist, and is named
 * as typed), or the `.flushcheck.json` found by `findConfigFile`, or none.
 */
export function loadConfig(explicit: string | undefined, cwd: string): { file?: string; result: ConfigResult } {
  const found = explicit === undefined ? findConfigFile(cwd) : undefined;
  const file = explicit ?? found?.name;
  if (file === undefined) return { result: { ok: true, config: {} } };
  let text: string;
  try {
    text = readFileSync(found?.path ?? resolve(cwd, file), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { file, result: { ok: false, message: code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : 'cannot be read' } };
  }
  return { file, result: parseConfigText(text) };
}
