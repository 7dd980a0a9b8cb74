import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { main } from '../../src/cli.js';

export const REPO = join(import.meta.dirname, '..', '..');
export const fixture = (...parts: string[]): string => join(REPO, 'fixtures', ...parts);
/**
 * Our own thread in the seed's shape (see fixtures/cases/README.md): a filtered
 * flush helper taking `bool sync`, the deferred MEMF_no_tlbflush caller passing
 * false (the one FC001), the allocator passing true, and a page-type branch that
 * forces only when the old type was a page table.
 */
/**
 * An ES module that runs this checkout's CLI from its TypeScript sources (tsx)
 * in a process of its own, with `process.argv.slice(argvFrom)` as arguments
 * (2 for a script file, 1 for `node -e`).
 */
export function cliProgram(argvFrom: number): string {
  const tsx = pathToFileURL(
    createRequire(join(REPO, 'package.json'))
      .resolve('tsx/esm/api')
      .replace(/index\.cjs$/, 'index.mjs'),
  ).href;
  const cli = pathToFileURL(join(REPO, 'src', 'cli.ts')).href;
  return `import { register } from '${tsx}';\nregister();\nconst { main, processIo } = await import('${cli}');\nprocess.exitCode = await main(process.argv.slice(${argvFrom}), processIo());\n`;
}

export const SAMPLE = fixture('cases', 'sync-param-thread.txt');
export const readFixture = (...parts: string[]): string => readFileSync(fixture(...parts), 'utf8');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process, as a user would from a shell. */
export async function runCli(args: string[], options: { stdin?: string | Buffer; isTTY?: boolean; stderrIsTTY?: boolean; env?: Record<string, string>; cwd?: string } = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    readStdin: () => Buffer.from(options.stdin ?? ''),
    isTTY: options.isTTY ?? false,
    stderrIsTTY: options.stderrIsTTY ?? false,
    env: options.env ?? {},
    cwd: options.cwd ?? REPO,
  });
  return { code, stdout, stderr };
}
