import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliProgram, REPO } from '../helpers/cli.js';

// The CLI's own process: its standard output is a pipe whose reader is gone before it writes (`flushcheck … | head`).
const program = cliProgram(1);

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
