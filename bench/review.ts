/**
 * Issue-2 benchmarks, run with `npx tsx bench/review.ts` after `npm run build`:
 *  1. cold-process median wall time of `flushcheck review` on the sync-parameter thread (fixtures/cases)
 *     against `node -e 0` in the same run (goal: at most 5x);
 *  2. peak memory (max RSS) of reviewing a generated 40 MB series (goal: under 1 GiB).
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { seriesChunks } from './gen-series.js';

const repo = join(import.meta.dirname, '..');
// Our thread in the seed's shape (the seed itself stays outside the repository).
const seed = join(repo, 'fixtures', 'cases', 'sync-param-thread.txt');
const bin = join(repo, 'bin', 'flushcheck.js');
const runs = Number(process.env.RUNS ?? 21);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function time(args: string[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0 && r.status !== 1) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

if (!existsSync(join(repo, 'dist', 'cli.js'))) throw new Error('run `npm run build` first');
// Interleave the two so machine noise hits both alike.
const base: number[] = [];
const ours: number[] = [];
for (let i = 0; i < runs; i++) {
  base.push(time(['-e', '0']));
  ours.push(time([bin, 'review', '--format', 'json', seed]));
}
const b = median(base);
const o = median(ours);
console.log(`cold start, median of ${runs}: node -e 0 ${b.toFixed(1)} ms; flushcheck review seed ${o.toFixed(1)} ms; ratio ${(o / b).toFixed(2)}x (goal <= 5x)`);

const out = join(repo, 'bench', 'out');
mkdirSync(out, { recursive: true });
const big = join(out, 'series-40mb.mbox');
await new Promise<void>((resolve, reject) => {
  const w = createWriteStream(big);
  w.on('error', reject);
  for (const chunk of seriesChunks(40 * 1024 * 1024)) w.write(chunk);
  w.end(resolve);
});
const t0 = process.hrtime.bigint();
const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, bin, 'review', '--format', 'json', big], { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 30 });
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
const rssKb = Number(String(r.stderr).trim().split('\n').pop());
console.log(`40 MB series: exit ${r.status}, ${secs.toFixed(1)} s, peak RSS ${(rssKb / 1024).toFixed(0)} MiB (goal < 1024 MiB)`);
