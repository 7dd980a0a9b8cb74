import { Command, CommanderError } from 'commander';
import { readSync } from 'node:fs';
import { COMMANDS } from './commands/index.js';
import { EXIT, UsageError, type CliIo } from './commands/context.js';
import { VERSION } from './version.js';
import { terminalText } from './report/escape.js';

export type { CliIo } from './commands/context.js';
export { EXIT } from './commands/context.js';

export function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command('flushcheck')
    .description('Review Xen patches for TLB flushes that must force an IPI on x86')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showSuggestionAfterError();
  for (const command of COMMANDS) command(program, { io, setExit });
  for (const sub of program.commands) sub.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  return program;
}

/** Runs the CLI: the one place that turns results into exit codes and text. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are successes; anything else commander rejects is usage.
      return error.exitCode === 0 ? EXIT.ok : EXIT.error;
    }
    if (error instanceof UsageError) {
      io.stderr(`flushcheck: ${terminalText(error.message)}\n`);
      return EXIT.error;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`flushcheck: internal error: ${terminalText(message.split('\n')[0] ?? '')}\n`);
    return EXIT.error;
  }
}

/**
 * A stream whose reader went away (`flushcheck … | head`) takes no more
 * writes: the run ends as it would have, exit code included, instead of
 * dying on an unhandled EPIPE.
 */
function writerTo(stream: NodeJS.WriteStream): (text: string) => void {
  let closed = false;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    closed = true;
  });
  return (text) => {
    if (!closed) stream.write(text);
  };
}

export function processIo(): CliIo {
  return {
    stdout: writerTo(process.stdout),
    stderr: writerTo(process.stderr),
    readStdin: (limit) => (process.stdin.isTTY ? Buffer.alloc(0) : readStdinSync(limit)),
    isTTY: Boolean(process.stdout.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    env: process.env,
    cwd: process.cwd(),
  };
}

function readStdinSync(limit = Infinity): Buffer {
  // readFileSync(0) fails with EAGAIN on non-blocking pipes; read until EOF instead.
  const chunks: Buffer[] = [];
  const buffer = Buffer.alloc(1 << 16);
  const pause = new Int32Array(new SharedArrayBuffer(4));
  // Stops at `limit`: an endless input is refused there, not read into memory.
  for (let total = 0; total < limit; ) {
    let n: number;
    try {
      n = readSync(0, buffer, 0, buffer.length, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        Atomics.wait(pause, 0, 0, 5);
        continue;
      }
      if (code === 'EOF') break;
      throw e;
    }
    if (n === 0) break;
    chunks.push(Buffer.from(buffer.subarray(0, n)));
    total += n;
  }
  return Buffer.concat(chunks);
}
