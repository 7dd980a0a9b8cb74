import { build } from 'esbuild';
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
