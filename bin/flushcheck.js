#!/usr/bin/env node
// The CLI bundle (scripts/bundle.ts): one file to load, not ~120 modules. Its
// CommonJS build is compiled from the V8 code cache the build left beside it
// (a start no longer compiles what the build's warm-up run compiled); a cache
// V8 refuses (another Node) is compiled as usual. Without that build, the ES
// module bundle.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import vm from 'node:vm';
import { V8_FLAGS } from './v8-flags.js';

// Before the bundle is compiled: its code cache was made under these flags.
for (const flag of V8_FLAGS) setFlagsFromString(flag);

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');

// A review against a directory tree reads its C files in a worker thread: the
// read starts here, while the bundle loads (src/parser/corpus-read.ts).
const args = process.argv.slice(2);
const corpusRead = join(dist, 'parser', 'corpus-read.js');
if (args.some((a) => a === '--tree' || a.startsWith('--tree=')) && existsSync(corpusRead)) (await import(pathToFileURL(corpusRead).href)).startEarlyCorpusRead(args);
const bundle = join(dist, 'flushcheck.bundle.cjs');
const cache = join(dist, 'flushcheck.bundle.cache');

function loadWithCodeCache() {
  const script = new vm.Script(Module.wrap(readFileSync(bundle, 'utf8')), {
    filename: bundle,
    cachedData: existsSync(cache) ? readFileSync(cache) : undefined,
  });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, Module.createRequire(bundle), module, bundle, dist);
  return { ...module.exports, script };
}

const { main, processIo, script } = existsSync(bundle) ? loadWithCodeCache() : await import('../dist/flushcheck.bundle.js');
/**
 * Ends the process once what it wrote to standard output and error has been
 * handed on, without Node's teardown (which runs the finalizers of the native
 * objects still wrapped, each syntax tree a review parsed among them, for
 * memory the exit frees anyway): ~35 ms of a one-second review against a
 * tree (median of 16 interleaved pairs on the mm.c patch).
 */
function exitWhenFlushed(code) {
  const open = [process.stdout, process.stderr].filter((stream) => !stream.destroyed && stream.writable);
  let left = open.length;
  if (left === 0) process.exit(code);
  for (const stream of open)
    stream.write('', () => {
      if (--left === 0) process.exit(code);
    });
}

main(args, processIo()).then((code) => {
  process.exitCode = code;
  // The build's warm-up run (scripts/bundle.ts) writes the cache.
  if (script && process.env.FLUSHCHECK_WRITE_CODE_CACHE === '1') writeFileSync(cache, script.createCachedData());
  exitWhenFlushed(code);
});
