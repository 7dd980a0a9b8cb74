import { describe, expect, it } from 'vitest';
import { runCli, SAMPLE } from '../helpers/cli.js';

const ESC = '\u001b[';
const coloured = async (args: string[], options: { isTTY?: boolean; env?: Record<string, string> } = {}): Promise<boolean> => {
  const run = await runCli(['review', ...args, SAMPLE], options);
  expect(run.code).toBe(1);
  return run.stdout.includes(ESC);
};

describe('colour of the text report', () => {
  it('on a terminal by default, not when piped', async () => {
    expect(await coloured([], { isTTY: true })).toBe(true);
    expect(await coloured([])).toBe(false);
  });

  it('FORCE_COLOR turns it on in a CI log and beats NO_COLOR; FORCE_COLOR=0 or false turns it off', async () => {
    expect(await coloured([], { env: { FORCE_COLOR: '1' } })).toBe(true);
    expect(await coloured([], { env: { FORCE_COLOR: '' } })).toBe(true);
    expect(await coloured([], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } })).toBe(true);
    expect(await coloured([], { isTTY: true, env: { FORCE_COLOR: '0' } })).toBe(false);
    expect(await coloured([], { isTTY: true, env: { FORCE_COLOR: 'false' } })).toBe(false);
  });

  it('NO_COLOR with a value turns it off; an empty NO_COLOR does not (no-color.org)', async () => {
    expect(await coloured([], { isTTY: true, env: { NO_COLOR: '1' } })).toBe(false);
    expect(await coloured([], { isTTY: true, env: { NO_COLOR: '' } })).toBe(true);
  });

  it('--color and --no-color beat the environment and the terminal', async () => {
    expect(await coloured(['--color'], { env: { NO_COLOR: '1', FORCE_COLOR: '0' } })).toBe(true);
    expect(await coloured(['--no-color'], { isTTY: true, env: { FORCE_COLOR: '1' } })).toBe(false);
  });

  it('only text is coloured, and the colourless bytes are the piped report', async () => {
    expect(await coloured(['--color', '--format', 'json'])).toBe(false);
    const plain = (await runCli(['review', SAMPLE])).stdout;
    const forced = (await runCli(['review', '--color', SAMPLE])).stdout;
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping the ANSI colour codes
    expect(forced.replace(/\u001b\[[0-9;]*m/g, '')).toBe(plain);
  });
});
