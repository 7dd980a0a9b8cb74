import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { cliProgram, REPO } from './cli.js';
import { HERMETIC_GIT_ENV } from './git-env.js';

/*
 * The two CI hosts, as far as the recipes' scripts can tell: the GitHub
 * runner running action.yml's composite steps (expressions in env:, `if:`,
 * $GITHUB_OUTPUT between steps) and the GitLab runner running the template's
 * before_script and script in one bash. What they call outside is stubbed
 * on PATH: `gh` and `npm` record their calls; `flushcheck` is this checkout.
 */

export const GIT_ENV = HERMETIC_GIT_ENV;

export function git(cwd: string, ...args: string[]): string {
  const run = spawnSync('git', args, { cwd, env: { ...process.env, ...GIT_ENV }, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`git ${args.join(' ')}: ${run.stderr}`);
  return run.stdout.trim();
}

/**
 * `gh`: every call appended to gh.log (one line, arguments joined by spaces);
 * a body (`-F body=@FILE`, `--input FILE`) copied to body-N. `api user` fails
 * as for GITHUB_TOKEN; a `--paginate` GET prints pages/<endpoint with / as _>
 * if present, else `[]`; `pr` anything fails (the recipes must not use it).
 */
const GH = `#!/usr/bin/env bash
log="$STUB_DIR/gh.log"
echo "$*" >> "$log"
n=$(wc -l < "$log")
method=GET endpoint= paginate=
while [ $# -gt 0 ]; do
  case "$1" in
    pr) echo "gh: pr commands are not used by the recipes" >&2; exit 1 ;;
    api) ;;
    -X) method=$2; shift ;;
    --paginate) paginate=1 ;;
    -F|-f) case "$2" in body=@*) cp "$(printf '%s' "$2" | cut -c7-)" "$STUB_DIR/body-$n" ;; esac; shift ;;
    --input) cp "$2" "$STUB_DIR/body-$n"; shift ;;
    --jq|-H) shift ;;
    -*) ;;
    *) [ -z "$endpoint" ] && endpoint=$1 ;;
  esac
  shift
done
if [ "$endpoint" = user ]; then echo "gh: HTTP 403: Resource not accessible by integration" >&2; exit 1; fi
if [ "$method" = GET ]; then
  page="$STUB_DIR/pages/$(echo "$endpoint" | tr / _)"
  if [ -f "$page" ]; then cat "$page"; else echo '[]'; fi
else
  echo '{}'
fi
`;

/** `npm`: calls appended to npm.log; `npm ci` leaves dist/flushcheck.bundle.js (what bin/flushcheck.js loads), as the package's prepare script does. */
const NPM = `#!/usr/bin/env bash
echo "$* (in $PWD)" >> "$STUB_DIR/npm.log"
if [ "$1" = ci ]; then mkdir -p dist && echo '// built' > dist/flushcheck.bundle.js; fi
`;

export interface Host {
  /** Holds the stubs' logs and pages/. */
  stubDir: string;
  /** Put first on PATH: gh, npm and flushcheck. */
  binDir: string;
  /** A copy of the action's layout: bin/flushcheck.js runs this checkout's sources, ci/ is this checkout's. */
  actionPath: string;
}

export function makeHost(dir: string): Host {
  const stubDir = join(dir, 'stub');
  const binDir = join(dir, 'bin');
  const actionPath = join(dir, 'action');
  for (const d of [stubDir, join(stubDir, 'pages'), binDir, join(actionPath, 'bin')]) mkdirSync(d, { recursive: true });
  writeFileSync(join(actionPath, 'package.json'), '{ "type": "module" }\n');
  writeFileSync(join(actionPath, 'bin', 'flushcheck.js'), cliProgram(2));
  symlinkSync(join(REPO, 'ci'), join(actionPath, 'ci'));
  // scan's worker threads load tsx by a bare import from the working directory (the checkout below `dir`): found here, outside the scanned tree.
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const stubs: Record<string, string> = { gh: GH, npm: NPM, flushcheck: `#!/bin/sh\nexec node "${join(actionPath, 'bin', 'flushcheck.js')}" "$@"\n` };
  for (const [name, text] of Object.entries(stubs)) {
    writeFileSync(join(binDir, name), text);
    chmodSync(join(binDir, name), 0o755);
  }
  return { stubDir, binDir, actionPath };
}

const readOr = (path: string, fallback = ''): string => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
};

export const ghCalls = (host: Host): string[] => readOr(join(host.stubDir, 'gh.log')).split('\n').filter(Boolean);
export const npmCalls = (host: Host): string[] => readOr(join(host.stubDir, 'npm.log')).split('\n').filter(Boolean);
/** The body the Nth gh call (1-based) sent. */
export const ghBody = (host: Host, n: number): string => readFileSync(join(host.stubDir, `body-${n}`), 'utf8');

const hostEnv = (host: Host, env: Record<string, string>): NodeJS.ProcessEnv => ({
  HOME: process.env.HOME ?? '/tmp',
  PATH: `${host.binDir}:${process.env.PATH}`,
  TMPDIR: process.env.TMPDIR ?? '/tmp',
  STUB_DIR: host.stubDir,
  ...GIT_ENV,
  ...env,
});

// ---- GitHub: action.yml's composite steps ----

interface ActionStep {
  name: string;
  id?: string;
  if?: string;
  uses?: string;
  run?: string;
  shell?: string;
  'working-directory'?: string;
  env?: Record<string, string>;
}
export interface Action {
  inputs: Record<string, { default: string }>;
  runs: { using: string; steps: ActionStep[] };
}
export const loadAction = (): Action => parse(readFileSync(join(REPO, 'action.yml'), 'utf8')) as Action;

export interface StepRun {
  name: string;
  ran: boolean;
  code: number;
  stdout: string;
  stderr: string;
}
export interface ActionRun {
  steps: StepRun[];
  outputs: Record<string, Record<string, string>>;
  summary: string;
  /** The log: every step's standard output, in order (where the runner reads workflow commands). */
  log: string;
  failed: boolean;
}

/**
 * Runs the steps as the runner does: `${{ }}` only in env:, with:, if: and
 * working-directory (the test fails on one anywhere else), `if:` of the forms
 * the action uses (`always()`, `X == 'v'`, `X != 'v'`, joined by `&&`), a
 * failed step skipping later ones unless `always()`, `uses:` steps recorded
 * but not run, `bash --noprofile --norc -eo pipefail` as for `shell: bash`.
 */
export function runAction(host: Host, options: { dir: string; workspace: string; event: object; repository: string; inputs?: Record<string, string> }): ActionRun {
  const action = loadAction();
  const runnerTemp = join(options.dir, 'runner-temp');
  mkdirSync(runnerTemp, { recursive: true });
  const summaryFile = join(options.dir, 'step-summary.md');
  writeFileSync(summaryFile, '');
  const outputs: Record<string, Record<string, string>> = {};
  const context = (path: string): string => {
    const [head, ...rest] = path.split('.');
    if (head === 'inputs') {
      const name = rest.join('.');
      return options.inputs?.[name] ?? expand(action.inputs[name]?.default ?? '');
    }
    if (head === 'steps') return outputs[rest[0]!]?.[rest[2]!] ?? '';
    if (path === 'github.token') return 'ghs_stub';
    if (path === 'github.action_path') return host.actionPath;
    if (path === 'github.repository') return options.repository;
    if (path === 'runner.temp') return runnerTemp;
    if (head === 'github' && rest[0] === 'event') {
      let v: unknown = options.event;
      for (const k of rest.slice(1)) v = (v as Record<string, unknown> | undefined)?.[k];
      return v === undefined || v === null ? '' : String(v);
    }
    throw new Error(`expression not known to the test host: ${path}`);
  };
  const expand = (text: string): string => text.replace(/\$\{\{\s*([\w.-]+)\s*\}\}/g, (_, p: string) => context(p));
  let failed = false;
  const condition = (expr: string | undefined): boolean => {
    if (!expr) return !failed;
    const terms = expr.split('&&').map((t) => t.trim());
    let always = false;
    for (const term of terms) {
      if (term === 'always()') {
        always = true;
        continue;
      }
      const m = /^([\w.-]+) (==|!=) '([^']*)'$/.exec(term);
      if (!m) throw new Error(`if: not known to the test host: ${term}`);
      if ((context(m[1]!) === m[3]) !== (m[2] === '==')) return false;
    }
    return always || !failed;
  };
  const steps: StepRun[] = [];
  let log = '';
  for (const step of action.runs.steps) {
    if (step.run?.includes('${{')) throw new Error(`${step.name}: an expression inside the script`);
    if (!condition(step.if) || !step.run) {
      steps.push({ name: step.name, ran: Boolean(step.uses) && condition(step.if), code: 0, stdout: '', stderr: '' });
      continue;
    }
    const outputFile = join(runnerTemp, `output-${steps.length}`);
    writeFileSync(outputFile, '');
    const script = join(runnerTemp, `step-${steps.length}.sh`);
    writeFileSync(script, step.run);
    const env = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, expand(String(v))]));
    const run = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
      cwd: step['working-directory'] ? expand(step['working-directory']) : options.workspace,
      env: hostEnv(host, {
        ...env,
        GITHUB_ACTIONS: 'true',
        GITHUB_OUTPUT: outputFile,
        GITHUB_STEP_SUMMARY: summaryFile,
        GITHUB_ACTION_PATH: host.actionPath,
        GITHUB_REPOSITORY: options.repository,
        GITHUB_WORKSPACE: options.workspace,
        RUNNER_TEMP: runnerTemp,
      }),
      encoding: 'utf8',
      timeout: 300_000,
    });
    const code = run.status ?? 1;
    log += run.stdout;
    if (step.id)
      outputs[step.id] = Object.fromEntries(
        readFileSync(outputFile, 'utf8')
          .split('\n')
          .filter((l) => l.includes('='))
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
    steps.push({ name: step.name, ran: true, code, stdout: run.stdout, stderr: run.stderr });
    if (code !== 0) failed = true;
  }
  return { steps, outputs, summary: readFileSync(summaryFile, 'utf8'), log, failed };
}

// ---- GitLab: the template's job ----

export interface GitlabJob {
  image: string;
  rules: { if: string; when?: string }[];
  variables: Record<string, string>;
  before_script: string[];
  script: string[];
  artifacts: { name: string; when: string; reports: { codequality: string }; paths: string[] };
}
export const loadGitlabJob = (): GitlabJob => (parse(readFileSync(join(REPO, 'ci', 'gitlab', 'flushcheck.gitlab-ci.yml'), 'utf8')) as Record<string, GitlabJob>)['.flushcheck']!;

/** Whether a job rule list lets a pipeline with these variables run the job (the `$VAR` and `$VAR == "v"` forms). */
export function gitlabRulesMatch(rules: GitlabJob['rules'], vars: Record<string, string>): boolean {
  for (const rule of rules) {
    const matches = rule.if.split('&&').every((term) => {
      const t = term.trim();
      const eq = /^\$(\w+) (==|!=) "([^"]*)"$/.exec(t);
      if (eq) return ((vars[eq[1]!] ?? '') === eq[3]) === (eq[2] === '==');
      const set = /^\$(\w+)$/.exec(t);
      if (set) return Boolean(vars[set[1]!]);
      throw new Error(`rules: not known to the test host: ${t}`);
    });
    if (matches) return rule.when !== 'never';
  }
  return false;
}

/** A script section as the runner runs it: every line in one bash, stopping at the first failing one. */
export function runGitlabSection(host: Host, lines: string[], options: { cwd: string; vars: Record<string, string> }): { code: number; stdout: string; stderr: string } {
  const job = loadGitlabJob();
  const run = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', lines.join('\n')], {
    cwd: options.cwd,
    env: hostEnv(host, { ...job.variables, GITLAB_CI: 'true', CI: 'true', ...options.vars }),
    encoding: 'utf8',
    timeout: 300_000,
  });
  return { code: run.status ?? 1, stdout: run.stdout, stderr: run.stderr };
}
