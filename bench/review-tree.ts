/**
 * Issue-14 benchmark, run with `npx tsx bench/review-tree.ts` after `npm run build`:
 * the median wall time of `flushcheck review --tree` against the Xen 4.17 tree
 * (scripts/fetch-xen.sh) for the seed thread (when ../shared/seed is there),
 * each real patch in Debian's debian/patches/ of that source package, and a
 * patch of ours that touches the tree's largest hypervisor C file with a flush
 * (generated from the tree at run time, never stored), each beside `scan` of the
 * same tree and `node -e 0`, measured in the same run.
 * Goals: review --tree at most 0.2x the scan and at most 10x `node -e 0`.
 * Nothing here depends on 4.17's shape: the patch is made from whatever the tree holds.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const repo = join(import.meta.dirname, '..');
const bin = join(repo, 'bin', 'flushcheck.js');
const runs = Number(process.env.RUNS ?? 5);
const seed = process.env.FLUSHCHECK_SEED ?? join(repo, '..', 'shared', 'seed', 'assisted-flush-v2-thread.txt');

if (!existsSync(join(repo, 'dist', 'cli.js'))) throw new Error('run `npm run build` first');
const tree = execFileSync('bash', [join(repo, 'scripts', 'fetch-xen.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
const patchesDir = join(tree, '..', '..', 'debian', 'debian', 'patches');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function time(args: string[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 26 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0 && r.status !== 1) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

/** The largest C file under the hypervisor (xen/ when the tree has it) that calls a flush. */
function largestFlushingFile(root: string): string | undefined {
  const base = existsSync(join(root, 'xen')) ? join(root, 'xen') : root;
  let best: { path: string; size: number } | undefined;
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      const full = join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.isFile() && e.name.endsWith('.c')) {
        const size = statSync(full).size;
        if ((!best || size > best.size) && /\bflush_tlb_mask\s*\(/.test(readFileSync(full, 'latin1'))) best = { path: full, size };
      }
    }
  };
  walk(base);
  return best && relative(root, best.path);
}

/** A one-hunk patch of ours: the first flush_tlb_mask() line of `path` gets a comment. */
function touchPatch(root: string, path: string): string {
  const lines = readFileSync(join(root, path), 'utf8').split('\n');
  const at = lines.findIndex((l) => /\bflush_tlb_mask\s*\(/.test(l) && !l.includes('#define'));
  const from = Math.max(0, at - 3);
  const to = Math.min(lines.length, at + 4);
  const body: string[] = [];
  for (let i = from; i < to; i++) {
    if (i === at) body.push(`-${lines[i]}`, `+${lines[i]} /* flushcheck bench */`);
    else body.push(` ${lines[i]}`);
  }
  const n = to - from;
  return [`diff --git a/${path} b/${path}`, `--- a/${path}`, `+++ b/${path}`, `@@ -${from + 1},${n} +${from + 1},${n} @@`, ...body, ''].join('\n');
}

const out = join(repo, 'bench', 'out');
mkdirSync(out, { recursive: true });
const inputs: { name: string; path: string }[] = [];
if (existsSync(seed)) inputs.push({ name: 'seed thread', path: seed });
else console.log(`seed thread: skipped (${seed} is not there)`);
if (existsSync(patchesDir)) {
  for (const p of readdirSync(patchesDir)
    .filter((p) => p.endsWith('.patch'))
    .sort())
    inputs.push({ name: `debian/patches/${p}`, path: join(patchesDir, p) });
}
const largest = largestFlushingFile(tree);
if (largest) {
  const path = join(out, 'touch-largest.diff');
  writeFileSync(path, touchPatch(tree, largest));
  inputs.push({ name: `ours: touches ${largest}`, path });
}

// Interleaved, so machine noise hits every command alike.
const base: number[] = [];
const scan: number[] = [];
const reviews = new Map<string, number[]>(inputs.map((i) => [i.name, []]));
for (let r = 0; r < runs; r++) {
  base.push(time(['-e', '0']));
  scan.push(time([bin, 'scan', '--format', 'json', '--no-progress', tree]));
  for (const input of inputs) reviews.get(input.name)!.push(time([bin, 'review', '--format', 'json', '--tree', tree, input.path]));
}
const b = median(base);
const s = median(scan);
console.log(`median of ${runs} runs: node -e 0 ${b.toFixed(0)} ms; scan of the tree ${s.toFixed(0)} ms (${(s / b).toFixed(1)}x node -e 0)`);
let worstScan = 0;
let worstNode = 0;
for (const input of inputs) {
  const m = median(reviews.get(input.name)!);
  worstScan = Math.max(worstScan, m / s);
  worstNode = Math.max(worstNode, m / b);
  console.log(`  review --tree ${input.name}: ${m.toFixed(0)} ms = ${(m / s).toFixed(3)}x scan (goal <= 0.2), ${(m / b).toFixed(1)}x node -e 0 (goal <= 10)`);
}
console.log(`worst: ${worstScan.toFixed(3)}x scan, ${worstNode.toFixed(1)}x node -e 0`);
