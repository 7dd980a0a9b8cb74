/**
 * Issue-2 benchmarks, run with `npx tsx bench/review.ts` after `npm run build`:
 *  1. cold-process median wall time of `flushcheck review` on the sync-parameter thread (fixtures/cases)
 *     against `node -e 0` in the same run (goal: at most 5x);
 *  2. peak memory (max RSS) of reviewing a generated 40 MB series (goal: under 1 GiB).
 * Issue-14 memory and bound goals, each measured with /usr/bin/time in the same run:
 *  3. 40 MB of 500k trivial hunks: under 1 GiB peak and under 60 s;
 *  4. 4 MB of flush hunks: under 500 MB peak;
 *  5. a 200 MB single line: one clear error (exit 2, one stderr line) in every format;
 *  6. a 20-level exponential macro chain (each level used three times, and three
 *     distinct arguments per level): under 5 s;
 *  7. an endless standard input stops at --max-input-bytes with exit 2.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
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

/** Runs the CLI under /usr/bin/time: exit code, seconds, peak RSS in MiB, stderr lines (time's own removed). */
function measured(args: string[]): { status: number | null; secs: number; mib: number; stderr: string[] } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, bin, ...args], { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 26 });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const lines = String(r.stderr).trim().split('\n');
  const kb = Number(lines.pop());
  return { status: r.status, secs, mib: kb / 1024, stderr: lines.filter((l) => !l.startsWith('Command exited')) };
}

async function writeChunks(path: string, chunks: Iterable<string>): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const w = createWriteStream(path);
    w.on('error', reject);
    for (const chunk of chunks) w.write(chunk);
    w.end(resolve);
  });
}

function* trivialHunks(count: number): Generator<string> {
  yield 'diff --git a/xen/common/trivial.c b/xen/common/trivial.c\n--- a/xen/common/trivial.c\n+++ b/xen/common/trivial.c\n';
  for (let i = 0; i < count; i++) yield `@@ -${i * 10 + 1},1 +${i * 10 + 1},1 @@ static int trivial_fn(void)\n-    value_${i} = old_value;\n+    value_${i} = new_value;\n`;
}

function* flushHunks(bytes: number): Generator<string> {
  let written = 0;
  for (let i = 0; written < bytes; i++) {
    const chunk = `${i % 200 === 0 ? `diff --git a/xen/arch/x86/flush${i}.c b/xen/arch/x86/flush${i}.c\n--- a/xen/arch/x86/flush${i}.c\n+++ b/xen/arch/x86/flush${i}.c\n` : ''}@@ -${(i % 200) * 10 + 1},3 +${(i % 200) * 10 + 1},3 @@ static void flush_fn_${i}(struct domain *d)\n     spin_lock(&d->lock);\n-    flush_tlb_mask(d->dirty_cpumask);\n+    flush_mask(d->dirty_cpumask, FLUSH_TLB | FLUSH_NO_ASSIST);\n     spin_unlock(&d->lock);\n`;
    written += chunk.length;
    yield chunk;
  }
}

const trivial = join(out, 'trivial-500k-hunks.diff');
await writeChunks(trivial, trivialHunks(500_000));
const t = measured(['review', '--format', 'json', trivial]);
console.log(`500k trivial hunks (${(statSize(trivial) / 2 ** 20).toFixed(0)} MiB): exit ${t.status}, ${t.secs.toFixed(1)} s (goal < 60), peak RSS ${t.mib.toFixed(0)} MiB (goal < 1024)`);

const flushes = join(out, 'flush-hunks-4mb.diff');
await writeChunks(flushes, flushHunks(4 * 2 ** 20));
const f = measured(['review', '--format', 'json', flushes]);
console.log(`4 MB of flush hunks: exit ${f.status}, ${f.secs.toFixed(1)} s, peak RSS ${f.mib.toFixed(0)} MiB (goal < 500)`);

const long = join(out, 'single-line-200mb.diff');
await writeChunks(
  long,
  (function* () {
    yield 'diff --git a/xen/common/a.c b/xen/common/a.c\n--- a/xen/common/a.c\n+++ b/xen/common/a.c\n@@ -1 +1 @@\n-x\n+';
    for (let i = 0; i < 200; i++) yield 'y'.repeat(2 ** 20);
    yield '\n';
  })(),
);
for (const format of ['text', 'json', 'markdown', 'github', 'sarif', 'gitlab', 'reply', 'rdjson']) {
  const l = measured(['review', '--format', format, long]);
  console.log(
    `200 MB single line, --format ${format}: exit ${l.status} (goal 2), ${l.secs.toFixed(1)} s, peak RSS ${l.mib.toFixed(0)} MiB, stderr: ${l.stderr.length === 1 ? l.stderr[0] : `${l.stderr.length} lines`}`,
  );
}

const chain = (name: string, lines: string[], call: string): string => {
  const body = [...lines, `void ${name}_user(cpumask_t *m)`, '{', `    ${call};`, '}'];
  return [
    `diff --git a/xen/arch/x86/${name}.c b/xen/arch/x86/${name}.c`,
    'new file mode 100644',
    '--- /dev/null',
    `+++ b/xen/arch/x86/${name}.c`,
    `@@ -0,0 +1,${body.length} @@`,
    ...body.map((l) => `+${l}`),
    '',
  ].join('\n');
};
const chains = {
  'flag used three times per level': chain(
    'chain_flags',
    ['#define CHAIN0 FLUSH_TLB', ...Array.from({ length: 20 }, (_, i) => `#define CHAIN${i + 1} (CHAIN${i} | CHAIN${i} | CHAIN${i})`)],
    'flush_mask(m, CHAIN20)',
  ),
  'three distinct arguments per level': chain(
    'chain_wide',
    ['#define WIDE0(x) (x)', ...Array.from({ length: 20 }, (_, i) => `#define WIDE${i + 1}(x) (WIDE${i}((x)) | WIDE${i}((x) | 1) | WIDE${i}((x) | 2))`)],
    'flush_mask(m, WIDE20(FLUSH_TLB))',
  ),
  'three helper calls per level': chain(
    'chain_calls',
    [
      '#define CALLS0(m, f) flush_mask(m, f)',
      ...Array.from({ length: 20 }, (_, i) => `#define CALLS${i + 1}(m, f) do { CALLS${i}(m, (f)); CALLS${i}(m, (f) | 1); CALLS${i}(m, (f) | 2); } while ( 0 )`),
    ],
    'CALLS20(m, FLUSH_TLB)',
  ),
};
for (const [what, text] of Object.entries(chains)) {
  const path = join(out, `chain-${what.replaceAll(' ', '-')}.diff`);
  writeFileSync(path, text);
  const c = measured(['review', '--format', 'json', path]);
  console.log(`20-level macro chain, ${what} (${text.length} bytes): exit ${c.status}, ${c.secs.toFixed(1)} s (goal < 5)`);
}

// An endless standard input: written to until the process exits.
const e0 = process.hrtime.bigint();
const endless = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
  const child = spawn(process.execPath, [bin, 'review', '--format', 'text', '--max-input-bytes', String(8 * 2 ** 20)], { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const block = Buffer.alloc(1 << 16, 'x\n');
  let open = true;
  const pump = (): void => {
    while (open && child.stdin.write(block));
    if (open) child.stdin.once('drain', pump);
  };
  child.stdin.on('error', () => (open = false));
  child.on('exit', (code) => {
    open = false;
    resolve({ code, stderr });
  });
  pump();
});
console.log(`endless stdin, --max-input-bytes 8 MiB: exit ${endless.code} (goal 2) after ${(Number(process.hrtime.bigint() - e0) / 1e9).toFixed(1)} s: ${endless.stderr.trim()}`);

function statSize(path: string): number {
  return statSync(path).size;
}
