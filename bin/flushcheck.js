#!/usr/bin/env node
// The bundle of dist/cli.js (scripts/bundle.ts): one file to load, not ~120 modules.
import { main, processIo } from '../dist/flushcheck.bundle.js';

main(process.argv.slice(2), processIo()).then((code) => {
  process.exitCode = code;
});
