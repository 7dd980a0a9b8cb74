/**
 * The share of flush call sites whose mechanism is `unknown`, per
 * architecture, on a real tree (default: Xen 4.17 from scripts/fetch-xen.sh).
 * A site counts for an architecture when its file is built for it (common
 * code, or that port's own files); another port's files are left out.
 * Run: npx tsx bench/unknown-share.ts [DIR]
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ARCHES } from '../src/types.js';
import { DEFAULT_CONFIG, scan } from '../src/pipeline/index.js';
import { archOfPath } from '../src/model/database.js';

const repo = join(import.meta.dirname, '..');
const dir = process.argv[2] ?? join(execFileSync('bash', [join(repo, 'scripts', 'fetch-xen.sh')], { encoding: 'utf8' }).trim(), 'xen');

const start = performance.now();
const run = await scan(dir, dir, { arches: [...ARCHES], config: DEFAULT_CONFIG });
const ms = performance.now() - start;
console.log(`${dir}: ${run.sites.length} sites in ${ms.toFixed(0)} ms; ${run.settings.model?.summary ?? ''}`);
for (const arch of ARCHES) {
  const calls = run.sites.filter((s) => s.kind === 'call' && s.arch?.[arch] && [arch, 'common'].includes(archOfPath(s.file)));
  const unknown = calls.filter((s) => s.arch![arch]!.mechanism === 'unknown');
  const share = calls.length ? ((100 * unknown.length) / calls.length).toFixed(1) : '-';
  // A port whose flush is a trapping stub is known, not unknown: counted apart.
  const stubs = calls.filter((s) => s.arch![arch]!.mechanism === 'not-implemented').length;
  console.log(
    `${arch.padEnd(6)} ${String(unknown.length).padStart(4)} unknown of ${String(calls.length).padStart(4)} call sites (${share}%)${stubs ? `; ${stubs} not-implemented (the port's stub traps)` : ''}`,
  );
  for (const s of unknown) console.log(`         ${s.file}:${s.line} ${s.function ?? '(file scope)'} ${s.api}`);
}
