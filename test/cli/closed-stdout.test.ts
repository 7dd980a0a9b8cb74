import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/cli.js';

// The CLI's own process: its standard output is a pipe whose reader is gone before it writes (`flushcheck … | head`).
const tsx = pathToFileURL(
  createRequire(join(REPO, 'package.json'))
    .resolve('tsx/esm/api')
    .replace(/index\.cjs$/, 'index.mjs'),
).href;
const cli = pathToFileURL(join(REPO, 'src', 'cli.ts')).href;
const program = `import { register } from '${tsx}';\nregister();\nconst { main, processIo } = await import('${cli}');\nprocess.exitCode = await main(process.argv.slice(1), processIo());\n`;

function runWithClosedStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', program, ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('an output whose reader went away', () => {
  it('ends the run as it would have (exit code and all), with no EPIPE crash', async () => {
    const run = await runWithClosedStdout(['review', '--format', 'json', join(REPO, 'examples', 'deferred-flush.patch')]);
    expect(run.stderr).not.toMatch(/EPIPE|Unhandled|node:events/);
    expect(run.code).toBe(1);
  }, 60_000);
});
