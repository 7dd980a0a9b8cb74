/**
 * Times the flush model on the seed thread and on the real Xen 4.17 tree
 * (fetched by scripts/fetch-xen.sh). Run: npx tsx bench/model.ts
 * Each case runs in a fresh process state only for its first round: later
 * rounds show the per-process header cache at work.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DirTree } from '../src/parser/base-tree.js';
import { DEFAULT_ARCHES, DEFAULT_CONFIG, review } from '../src/pipeline.js';
import { ok } from '../src/types.js';

const repo = join(import.meta.dirname, '..');
const seed = readFileSync(join(repo, '..', 'shared', 'seed', 'assisted-flush-v2-thread.txt'), 'utf8');
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

time('seed, no tree', seed, false);
time('seed, Xen 4.17 tree', seed, true);
time('arch_flush_tlb_mask change, tree', change, true);
