import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

/*
 * The shipped CLI as one ESM file, beside tsc's dist/ (which stays: tests and
 * tools import its modules). Node loads one file much faster than the ~120
 * modules of dist/cli.js, and every flushcheck process pays that load before
 * any work (bin/flushcheck.js runs the bundle).
 *
 * Both bundles sit directly in dist/, as dist/cli.js does, so what the code
 * finds relative to its own module (../package.json, ../schema/) is found the
 * same from either layout. The scan worker is a bundle of its own, started by
 * src/classify/scan-tree.ts from beside the CLI bundle. Packages stay external:
 * tree-sitter and tree-sitter-c are native addons, and the others are loaded
 * from node_modules at the versions package.json pins (the lazy ones, ajv,
 * postal-mime and cli-progress, only when needed).
 */

const root = join(import.meta.dirname, '..');

await build({
  absWorkingDir: root,
  entryPoints: { 'flushcheck.bundle': 'src/cli.ts', 'scan-worker.bundle': 'src/classify/scan-worker.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});

/*
 * The CLI again as CommonJS, which bin/flushcheck.js compiles through V8's
 * code cache (vm.Script cachedData; Node 20 has no module compile cache).
 * `import.meta.url` becomes this file's URL, so what the code finds beside
 * itself (the scan worker's bundle, ../package.json) is found the same.
 */
await build({
  absWorkingDir: root,
  entryPoints: { 'flushcheck.bundle': 'src/cli.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.cjs' },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
  define: { 'import.meta.url': '__bundle_url' },
  banner: { js: "const __bundle_url = require('node:url').pathToFileURL(__filename).href;" },
});

// One review of the bundled example compiles what a review needs; the cache keeps it.
rmSync(join(root, 'dist', 'flushcheck.bundle.cache'), { force: true });
const warmUp = spawnSync(process.execPath, [join(root, 'bin', 'flushcheck.js'), 'review', '--format', 'json', join(root, 'examples', 'deferred-flush.patch')], {
  env: { ...process.env, FLUSHCHECK_WRITE_CODE_CACHE: '1' },
  stdio: ['ignore', 'ignore', 'inherit'],
});
if (warmUp.status !== 1) throw new Error(`the code cache's warm-up review exited ${warmUp.status} (expected 1: the example has an error)`);
