import type { Command } from 'commander';

/** Everything the CLI touches outside itself, so tests can run it in-process. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Standard input, read up to `limit` bytes (an endless input stops there). */
  readStdin: (limit?: number) => Buffer;
  /** Standard output is a terminal (colour). */
  isTTY: boolean;
  /** Standard error is a terminal (where the progress bar draws); absent: not one. */
  stderrIsTTY?: boolean;
  env: Record<string, string | undefined>;
  cwd: string;
}

export const EXIT = { ok: 0, findings: 1, error: 2 } as const;

/** Thrown for bad options; the CLI prints its message on one line and exits 2. */
export class UsageError extends Error {}

export interface CommandContext {
  io: CliIo;
  /** Records the command's exit code. */
  setExit: (code: number) => void;
}

/** A command is one module that adds itself to the program. */
export type CommandModule = (program: Command, context: CommandContext) => void;
