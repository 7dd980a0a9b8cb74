import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_ARCHES, DEFAULT_CONFIG, review } from '../../src/pipeline/index.js';
import { loadInput } from '../../src/input.js';
import { STAGES } from '../../src/pipeline/index.js';
import { findingLine, sortLines } from '../../src/testing/expect-file.js';
import { parseCaseOptions } from '../../src/testing/run.js';
import { fixture, runCli, SAMPLE } from '../helpers/cli.js';

// `flushcheck test DIR…` in-process, on cases built in a temporary directory.

const roots: string[] = [];
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'flushcheck-test-'));
  roots.push(dir);
});

afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

const lastLine = (text: string): string => text.trimEnd().split('\n').at(-1)!;
const write = (name: string, text: string): string => {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
};

/** The sample thread's findings as `.expect` lines, straight from the pipeline. */
function seedFindings(): string[] {
  const run = review([{ name: SAMPLE, source: loadInput(SAMPLE) }], { arches: DEFAULT_ARCHES, config: DEFAULT_CONFIG });
  return sortLines(run.findings.filter((f) => !f.suppressed).map(findingLine));
}

/** A small patch with one site, for cases that need their own input. */
const PATCH = [
  'diff --git a/xen/common/page_alloc.c b/xen/common/page_alloc.c',
  '--- a/xen/common/page_alloc.c',
  '+++ b/xen/common/page_alloc.c',
  '@@ -50,4 +50,5 @@ static struct page_info *alloc_run(unsigned int node, unsigned int order,',
  '     if ( need_tlbflush )',
  '         filtered_flush_tlb_mask(tlbflush_timestamp);',
  ' ',
  '+    /* ruleid: FC001 */',
  '     return pg;',
  '',
].join('\n');

describe('flushcheck test', () => {
  it('a copy of the sync-parameter thread fails against a wrong .expect, and --update makes it pass', async () => {
    const seed = join(dir, 'seed.txt');
    copyFileSync(SAMPLE, seed);
    writeFileSync(join(dir, 'seed.expect'), '# the sync-parameter thread\nerror FC001 nowhere.c:1 nothing\n');

    const before = await runCli(['test', dir]);
    expect(before.code).toBe(1);
    expect(lastLine(before.stdout)).toBe('0 passed, 1 failed');
    expect(before.stdout).toContain(`FAIL ${seed} (1 missing`);
    expect(before.stdout).toContain('  Missing: error FC001 nowhere.c:1 nothing\n');

    const update = await runCli(['test', '--update', dir]);
    expect(update.stdout).toContain(`updated ${join(dir, 'seed.expect')}`);
    expect(update.code).toBe(0);
    expect(lastLine(update.stdout)).toBe('1 passed, 0 failed');
    const written = readFileSync(join(dir, 'seed.expect'), 'utf8');
    // Whatever the pipeline reports today, under the kept header.
    expect(written).toBe(['# the sync-parameter thread', ...(seedFindings().length ? ['', ...seedFindings()] : [])].map((l) => `${l}\n`).join(''));

    const after = await runCli(['test', dir]);
    expect(after.code).toBe(0);
    expect(after.stdout).toBe('1 passed, 0 failed\n');
  });

  // Needs the model, classify and simulate stages (issues 3-5), built in
  // parallel: until all three are registered the rules have no verdicts.
  it.skipIf(STAGES.length < 3)('a copy of the sync-parameter thread with an empty .expect fails; --update names the memory.c finding', async () => {
    copyFileSync(SAMPLE, join(dir, 'seed.txt'));
    writeFileSync(join(dir, 'seed.expect'), '');
    const before = await runCli(['test', dir]);
    expect(before.code).toBe(1);
    expect(lastLine(before.stdout)).toBe('0 passed, 1 failed');
    expect(before.stdout).toContain('  Noisy:   error FC001 xen/common/memory.c:293 populate_physmap\n');

    await runCli(['test', '--update', dir]);
    expect(readFileSync(join(dir, 'seed.expect'), 'utf8').split('\n')).toContain('error FC001 xen/common/memory.c:293 populate_physmap');
    const after = await runCli(['test', dir]);
    expect(after.code).toBe(0);
    expect(after.stdout).toBe('1 passed, 0 failed\n');
  });

  it('a ruleid annotation on a line nothing reports is Missing, one FAIL line per failing case', async () => {
    write('a/alloc.patch', PATCH);
    write('a/alloc.expect', '');
    write('b/ok.patch', PATCH.replace('ruleid: FC001', 'ok: FC001'));
    const run = await runCli(['test', dir]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(
      [`FAIL ${join(dir, 'a/alloc.patch')} (1 missing)`, `  Missing: FC001 xen/common/page_alloc.c:54  [ruleid: FC001 at xen/common/page_alloc.c:53]`, '1 passed, 1 failed', ''].join('\n'),
    );
  });

  it('an input the tool cannot read is an input-error line: Noisy until expected', async () => {
    write('broken.patch', PATCH.replace('@@ -50,4 +50,5 @@', '@@ -50,9 +50,9 @@'));
    write('broken.expect', '');
    const run = await runCli(['test', dir]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('  Noisy:   input-error truncated-hunk broken.patch:4 -\n');
    await runCli(['test', '--update', dir]);
    expect(readFileSync(join(dir, 'broken.expect'), 'utf8')).toBe('input-error truncated-hunk broken.patch:4 -\n');
    expect((await runCli(['test', dir])).code).toBe(0);
  });

  it('uses <name>.tree/ as --tree and reads annotations from the tree and the post-image', async () => {
    cpSync(fixture('forms', 'tree-context.tree'), join(dir, 'ctx.tree'), { recursive: true });
    copyFileSync(fixture('forms', 'tree-context.diff'), join(dir, 'ctx.diff'));
    // In a file the patch leaves alone: must be reported at p2m.c:43, which nothing does.
    const p2m = join(dir, 'ctx.tree/xen/arch/x86/mm/p2m.c');
    writeFileSync(p2m, readFileSync(p2m, 'utf8').replace('    /* ok: FC001 */\n', '    /* ruleid: FC004 */\n'));
    const run = await runCli(['test', dir]);
    expect(run.stdout).toContain('  Missing: FC004 xen/arch/x86/mm/p2m.c:42  [ruleid: FC004 at xen/arch/x86/mm/p2m.c:41]\n');
    // The post-image's own annotations (ok:) hold, so that is the only problem.
    expect(run.stdout).toContain('(1 missing)');
  });

  it('reads <name>.json options and refuses unknown keys', async () => {
    write('x86.patch', PATCH.replace('ruleid', 'ok'));
    write('x86.json', '{ "arches": ["x86"], "config": { "CONFIG_PV": false } }');
    write('typo.patch', PATCH.replace('ruleid', 'ok'));
    write('typo.json', '{ "arch": ["x86"] }');
    const run = await runCli(['test', dir]);
    expect(run.stdout).toContain(`FAIL ${join(dir, 'typo.patch')} (1 error)\n  Error:   ${join(dir, 'typo.json')}: unknown key "arch" (known: arches, config)\n`);
    expect(lastLine(run.stdout)).toBe('1 passed, 1 failed');
    expect(parseCaseOptions('o.json', '{ "arches": ["x86"], "config": { "CONFIG_PV": false } }')).toEqual({ ok: true, value: { arches: ['x86'], config: { ...DEFAULT_CONFIG, CONFIG_PV: false } } });
    expect(parseCaseOptions('o.json', '{ "arches": ["sparc"] }').ok).toBe(false);
    expect(parseCaseOptions('o.json', '[1]').ok).toBe(false);
  });

  it('searches directories recursively, but not .tree sidecars; an orphan .expect fails', async () => {
    write('deep/er/case.patch', PATCH.replace('ruleid', 'ok'));
    write('deep/case.tree/xen/notes.txt', 'not a case');
    write('gone.expect', 'error FC001 xen/common/memory.c:281 populate_physmap\n');
    const run = await runCli(['test', dir]);
    expect(run.stdout).toBe(`FAIL ${join(dir, 'gone.expect')} (no case: a .expect needs a .patch, .diff, .mbox, .eml or .txt of the same name)\n1 passed, 1 failed\n`);
    expect(run.code).toBe(1);
  });

  it('a malformed .expect is one error naming its line; --update replaces it', async () => {
    write('case.patch', PATCH.replace('ruleid', 'ok'));
    write('case.expect', 'FC001 somewhere\n');
    const run = await runCli(['test', dir]);
    expect(run.stdout).toContain(`  Error:   ${join(dir, 'case.expect')}:1: expected "<severity> <ruleId> <file>:<line> <function>"`);
    expect(run.code).toBe(1);
    const update = await runCli(['test', '--update', dir]);
    expect(lastLine(update.stdout)).toBe('1 passed, 0 failed');
    expect(readFileSync(join(dir, 'case.expect'), 'utf8')).toBe('');
  });

  it('an annotation naming a rule that does not exist is an error, ordinary prose is not an annotation', async () => {
    write('case.patch', PATCH.replace('ruleid: FC001', 'ruleid: FC099'));
    write('prose.patch', PATCH.replace('ruleid: FC001', 'ok: this path is fine'));
    const run = await runCli(['test', dir]);
    expect(run.stdout).toContain('  Error:   xen/common/page_alloc.c:53: ruleid: no rule FC099\n');
    expect(lastLine(run.stdout)).toBe('1 passed, 1 failed');
  });

  it('a missing directory or one without cases is a usage error: one line, exit 2', async () => {
    const missing = await runCli(['test', join(dir, 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`flushcheck: ${join(dir, 'nope')}: no such file or directory\n`);
    const empty = await runCli(['test', dir]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toBe(`flushcheck: no test cases (*.patch, *.diff, *.mbox, *.eml, *.txt) under ${dir}\n`);
    expect(empty.stdout).toBe('');
  });
});
