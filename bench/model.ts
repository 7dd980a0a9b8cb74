/**
 * Times the flush model on the sync-parameter thread (fixtures/cases) and on the real Xen 4.17 tree
 * (fetched by scripts/fetch-xen.sh). Run: npx tsx bench/model.ts
 * Each case runs in a fresh process state only for its first round: later
 * rounds show the per-process header cache at work.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DirTree } from '../src/parser/base-tree.js';
import { DEFAULT_ARCHES, DEFAULT_CONFIG, review } from '../src/pipeline/index.js';
import { ok } from '../src/types.js';
import { builtinLayer } from '../src/xen/builtin-model.js';
import { modelCall } from '../src/model/call-model.js';
import { archOfPath, DefinitionDb } from '../src/model/database.js';
import { loadTreeFile, treeLayer } from '../src/model/tree-headers.js';
import { builtinFamily } from '../src/sites/find-sites.js';

const repo = join(import.meta.dirname, '..');
// Our thread in the seed's shape (the seed itself stays outside the repository).
const seed = readFileSync(join(repo, 'fixtures', 'cases', 'sync-param-thread.txt'), 'utf8');
const xen = execFileSync('bash', [join(repo, 'scripts', 'fetch-xen.sh')], { encoding: 'utf8' }).trim();
const tree = new DirTree(xen);

const header = 'xen/arch/x86/include/asm/flushtlb.h';
const lines = readFileSync(join(xen, header), 'utf8').split('\n');
const at = lines.findIndex((l) => l.startsWith('#define arch_flush_tlb_mask('));
const change = [`--- a/${header}`, `+++ b/${header}`, `@@ -${at + 1},1 +${at + 1},1 @@`, `-${lines[at]}`, '+#define arch_flush_tlb_mask(mask) flush_mask(mask, FLUSH_TLB)', ''].join('\n');

function time(label: string, text: string, withTree: boolean): void {
  for (let round = 1; round <= 3; round++) {
    const start = performance.now();
    const run = review([{ name: label, source: ok({ name: label, text }) }], { arches: DEFAULT_ARCHES, config: DEFAULT_CONFIG, ...(withTree ? { tree } : {}) });
    const ms = performance.now() - start;
    const modelled = run.sites.filter((s) => s.arch).length;
    console.log(`${label.padEnd(36)} round ${round}: ${ms.toFixed(0).padStart(6)} ms, ${run.sites.length} sites, ${modelled} modelled`);
  }
}

/** Models every flush call of the tree on x86 and Arm, as a whole-tree scan would. */
function scan(): void {
  const family = builtinFamily();
  const files = execFileSync('grep', ['-rlE', 'flush_(tlb_mask|mask|area_mask|tlb_all|tlb_one_mask)|arch_flush_tlb_mask|guest_flush_tlb_mask', '--include=*.c', '--include=*.h', 'xen'], {
    cwd: xen,
    encoding: 'utf8',
  })
    .trim()
    .split('\n');
  const start = performance.now();
  const counts: Record<string, number> = {};
  for (const arch of ['x86', 'arm'] as const) {
    const db = new DefinitionDb(arch, DEFAULT_CONFIG, [treeLayer(tree, [arch], family), builtinLayer()]);
    for (const path of files) {
      const builtFor = archOfPath(path);
      if (builtFor !== 'common' && builtFor !== arch) continue;
      for (const c of loadTreeFile(tree, path)!.collected.calls) {
        if (!family.has(c.name)) continue;
        const m = modelCall(
          c.name,
          c.args.map((text) => ({ text, origin: path })),
          { db, family },
        );
        counts[`${arch}:${m.mechanism}`] = (counts[`${arch}:${m.mechanism}`] ?? 0) + 1;
      }
    }
  }
  console.log(`every flush call of Xen 4.17 (${files.length} files): ${(performance.now() - start).toFixed(0)} ms`, counts);
}

scan();
time('seed, no tree', seed, false);
time('seed, Xen 4.17 tree', seed, true);
time('arch_flush_tlb_mask change, tree', change, true);
