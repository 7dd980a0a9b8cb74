import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/types.js';
import { gitBlobId } from '../../src/pipeline/tree-preimage.js';
import Ajv2020 from 'ajv/dist/2020.js';
import { fixture, REPO, runCli } from '../helpers/cli.js';

const AjvClass = Ajv2020 as unknown as typeof Ajv2020.default;
const validate = new AjvClass({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(join(REPO, 'schema', 'flushcheck-result.schema.json'), 'utf8')) as object);

// fixtures/forms/preimage.patch: a two-patch series made with git format-patch
// against preimage.tree (patch 2 changes the same file again and adds a header).
const PATCH = fixture('forms', 'preimage.patch');
const TREE = fixture('forms', 'preimage.tree');
const FILE = 'xen/arch/x86/mm/shadow-flush.c';

/** The tree as another release would have it: `edit` changes the one C file. */
function otherTree(edit: (text: string) => string): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'flushcheck-preimage-')), 'tree');
  cpSync(TREE, dir, { recursive: true });
  const path = join(dir, ...FILE.split('/'));
  writeFileSync(path, edit(readFileSync(path, 'utf8')));
  return dir;
}

/** The same series as a plain diff would carry it: no `index` lines, so the hunks' lines are compared. */
const withoutIndex = (): string =>
  readFileSync(PATCH, 'utf8')
    .split('\n')
    .filter((l) => !/^index [0-9a-f]+\.\.[0-9a-f]+/.test(l))
    .join('\n');

async function review(tree: string, args: string[] = [PATCH], stdin?: string) {
  const cli = await runCli(['review', '--tree', tree, '--format', 'json', ...args], stdin === undefined ? {} : { stdin });
  return { ...cli, run: JSON.parse(cli.stdout) as RunResult };
}

describe("--tree checked against the patches' preimage", () => {
  it('the blob id is git\'s (sha1 of "blob <len>\\0" and the bytes)', () => {
    expect(gitBlobId(Buffer.from('hello\n'))).toBe('ce013625030ba8dba906f756967f9e9ca394464a');
    expect(readFileSync(PATCH, 'utf8')).toContain(`index ${gitBlobId(readFileSync(join(TREE, FILE))).slice(0, 7)}..`);
  });

  it('the base the series was made against: true, no warning; a later patch of the series is not compared with the tree', async () => {
    const { run, stderr } = await review(TREE);
    expect(stderr).toBe('');
    expect(run.settings.treeMatchesPreimage).toBe(true);
    expect(run.settings.treeMismatches).toBeUndefined();
    const plain = await review(TREE, ['-'], withoutIndex());
    expect(plain.stderr).toBe('');
    expect(plain.run.settings.treeMatchesPreimage).toBe(true);
  });

  it('another version of the file: the blob differs, one warning line, settings say which file', async () => {
    const tree = otherTree((t) => t.replace('batching the TLB flushes', 'batching TLB flushes'));
    const { run, stderr, code } = await review(tree);
    expect(code).toBe(0);
    expect(run.settings.treeMatchesPreimage).toBe(false);
    expect(run.settings.treeMismatches).toEqual([{ patch: 0, file: FILE, reason: 'blob', expected: 'b0d4b2c' }]);
    expect(stderr).toBe(`flushcheck: warning: --tree ${tree} is not patch 1's base: ${FILE}: the tree's file is not blob b0d4b2c (git's index line)\n`);
  });

  it('without index lines, the hunks are compared at their stated lines: a shifted file differs at the first old-side line', async () => {
    const tree = otherTree((t) => t.replace('#include <xen/sched.h>\n', '#include <xen/lib.h>\n#include <xen/sched.h>\n'));
    const { run, stderr } = await review(tree, ['-'], withoutIndex());
    expect(run.settings.treeMatchesPreimage).toBe(false);
    expect(run.settings.treeMismatches).toEqual([{ patch: 0, file: FILE, reason: 'context', line: 19 }]);
    expect(stderr).toContain(`${FILE}: line 19 differs from the patch's context`);
    // Trailing blanks, which mail damages, are not a difference.
    const blanks = otherTree((t) => t.replace('    paging_lock(d);\n', '    paging_lock(d);   \n'));
    expect((await review(blanks, ['-'], withoutIndex())).run.settings.treeMatchesPreimage).toBe(true);
  });

  it('a file the tree lacks, and a file the patch adds that the tree has', async () => {
    const tree = otherTree((t) => t);
    rmSync(join(tree, ...FILE.split('/')));
    writeFileSync(join(tree, 'xen/arch/x86/mm/shadow-flush.h'), '/* already here */\n');
    const { run } = await review(tree);
    expect(run.settings.treeMismatches).toEqual([
      { patch: 0, file: FILE, reason: 'missing' },
      { patch: 1, file: 'xen/arch/x86/mm/shadow-flush.h', reason: 'exists' },
    ]);
    // The contract's schema knows the new fields.
    expect(validate(run), JSON.stringify(validate.errors)).toBe(true);
  });

  it('a FIFO where the file should be is no file (reading it would never end)', async () => {
    const tree = otherTree((t) => t);
    rmSync(join(tree, ...FILE.split('/')));
    execFileSync('mkfifo', [join(tree, ...FILE.split('/'))]);
    const { run } = await review(tree);
    expect(run.settings.treeMismatches).toEqual([{ patch: 0, file: FILE, reason: 'missing' }]);
  });

  it('the text and Markdown reports say so in their head', async () => {
    const tree = otherTree((t) => `${t}\n`);
    const text = await runCli(['review', '--tree', tree, PATCH]);
    expect(text.stdout.split('\n').slice(0, 4).join('\n')).toContain(`warning: The tree ${tree} is not the base these patches were made against: 1 file differs from their preimage: ${FILE}.`);
    const md = await runCli(['review', '--tree', tree, '--format', 'markdown', PATCH]);
    const head = md.stdout.slice(0, md.stdout.indexOf('- Patch 1/2'));
    expect(head).toContain(`⚠️ The tree \`${tree}\` is not the base these patches were made against: 1 file differs from their preimage: \`${FILE}\`.`);
    const matching = await runCli(['review', '--tree', TREE, '--format', 'markdown', PATCH]);
    expect(matching.stdout).not.toContain('is not the base');
  });

  it('no --tree, no field', async () => {
    const cli = await runCli(['review', '--format', 'json', PATCH]);
    const settings = (JSON.parse(cli.stdout) as RunResult).settings;
    expect('treeMatchesPreimage' in settings).toBe(false);
  });
});
