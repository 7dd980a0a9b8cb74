import { describe, expect, it } from 'vitest';
import { annotations } from '../../src/report/annotations.js';
import type { Finding, RunResult } from '../../src/types.js';
import { sampleRun } from './fixture-run.js';

/**
 * The runner's reading of a workflow command (GitHub's actions/runner,
 * ActionCommand.TryParseV2), written out: a line whose first non-blank
 * characters are `::`, the command info up to the next `::`, the command name
 * up to a space, properties split on `,` and then on the first `=`, each value
 * and the message unescaped (`%0D`, `%0A`, then `%25`; `%3A`, `%2C` in properties).
 */
interface Command {
  command: string;
  properties: Record<string, string>;
  message: string;
}
function readCommand(line: string): Command | undefined {
  const text = line.trimStart();
  if (!text.startsWith('::')) return undefined;
  const end = text.indexOf('::', 2);
  if (end < 0) return undefined;
  const info = text.slice(2, end);
  const space = info.indexOf(' ');
  const unescapeValue = (v: string, property: boolean): string => {
    let out = v.replace(/%0D/g, '\r').replace(/%0A/g, '\n');
    if (property) out = out.replace(/%3A/g, ':').replace(/%2C/g, ',');
    return out.replace(/%25/g, '%');
  };
  const properties: Record<string, string> = {};
  if (space >= 0)
    for (const p of info
      .slice(space + 1)
      .split(',')
      .filter(Boolean)) {
      const eq = p.indexOf('=');
      if (eq > 0) properties[p.slice(0, eq)] = unescapeValue(p.slice(eq + 1), true);
    }
  return { command: space < 0 ? info : info.slice(0, space), properties, message: unescapeValue(text.slice(end + 2), false) };
}
const commands = (out: string): Command[] =>
  out
    .split('\n')
    .filter(Boolean)
    .map((l) => readCommand(l)!);

function withFinding(change: Partial<Finding>): RunResult {
  const run = sampleRun();
  run.findings = [{ ...run.findings[0]!, ...change }];
  return run;
}

describe('annotations reporter (GitHub workflow commands)', () => {
  it('one error per finding, placed on the file and line, then a notice with the counts', () => {
    const out = commands(annotations(sampleRun(), { color: false }));
    expect(out.map((c) => c.command)).toEqual(['error', 'notice']);
    expect(out[0]!.properties).toEqual({ file: 'xen/common/memory.c', line: '293', title: 'FC001 missing-forced-ipi [x86]' });
    expect(out[0]!.message).toMatch(/must force an IPI/);
    expect(out[1]!.message).toBe('1 error in 1 patch');
  });

  it('a path with `,` `:` `=` `%` stays one property, exactly that path', () => {
    const file = 'xen/a,line=1,title=x:y%3A::z.c';
    const [c] = commands(annotations(withFinding({ file }), { color: false }));
    expect(c!.properties.file).toBe(file);
    expect(c!.properties.line).toBe('293');
    expect(Object.keys(c!.properties).sort()).toEqual(['file', 'line', 'title']);
  });

  it('a message cannot end the line, start a command, or change its escaping', () => {
    const message = 'x\n::stop-commands::tok\r\n::error file=evil.c::pwned %0A::warning::y \u2028::add-mask::s ##[error]z';
    const out = annotations(withFinding({ message }), { color: false });
    const lines = out.split('\n').filter(Boolean);
    expect(lines).toHaveLength(2);
    const [c] = commands(out);
    expect(c!.command).toBe('error');
    // Shown, inert: no line break, the literal `%0A` kept, `::` and `##[` not as written.
    expect(c!.message).not.toMatch(/[\r\n\u2028]/);
    expect(c!.message).toContain('%0A');
    expect(c!.message).not.toMatch(/::|##\[/);
    expect(c!.message).toContain('stop-commands');
  });

  it('a finding on a removed line names the file and the old line, not a line of the new file', () => {
    const [c] = commands(annotations(withFinding({ side: 'old', line: 17 }), { color: false }));
    expect(c!.properties.line).toBeUndefined();
    expect(c!.message).toContain('old line 17');
  });

  it('most severe first (the runner shows a few of each kind per step); suppressed findings left out', () => {
    const run = sampleRun();
    const f = run.findings[0]!;
    run.findings = [
      { ...f, severity: 'note', message: 'n' },
      { ...f, severity: 'warning', message: 'w' },
      { ...f, severity: 'error', message: 'e', suppressed: { reason: 'known', line: 1 } },
      { ...f, severity: 'error', message: 'e2' },
    ];
    const out = commands(annotations(run, { color: false }));
    expect(out.map((c) => c.command)).toEqual(['error', 'warning', 'notice', 'notice']);
    expect(out.at(-1)!.message).toBe('1 error, 1 warning, 1 note, 1 suppressed in 1 patch');
  });

  it('no findings: only the notice', () => {
    const run = sampleRun();
    run.findings = [];
    expect(annotations(run, { color: false })).toBe('::notice title=flushcheck::no findings in 1 patch\n');
  });
});
