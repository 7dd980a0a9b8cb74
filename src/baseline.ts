import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Finding, RunResult } from './types.js';

export type BaselineResult = { ok: true; fingerprints: string[] } | { ok: false; message: string };

/** The fingerprints of an earlier `--format json` report, one per finding (repeats kept). */
export function parseBaseline(text: string): BaselineResult {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { ok: false, message: `not valid JSON: ${(error as Error).message.split('\n')[0]}` };
  }
  const findings = (data as { findings?: unknown } | null)?.findings;
  if (typeof data !== 'object' || data === null || (data as { schemaVersion?: unknown }).schemaVersion !== 1 || !Array.isArray(findings)) {
    return { ok: false, message: 'not a flushcheck JSON report (run review --format json to make one)' };
  }
  const fingerprints: string[] = [];
  for (const [i, f] of findings.entries()) {
    const fp = (f as { fingerprint?: unknown } | null)?.fingerprint;
    if (typeof fp !== 'string' || fp === '') return { ok: false, message: `findings[${i}] has no fingerprint` };
    fingerprints.push(fp);
  }
  return { ok: true, fingerprints };
}

export function readBaseline(file: string, cwd: string): BaselineResult {
  try {
    return parseBaseline(readFileSync(resolve(cwd, file), 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { ok: false, message: code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : 'cannot be read' };
  }
}

/**
 * Leaves out findings an earlier report already had, matched by fingerprint
 * and counted: if the baseline had a fingerprint twice and the run has it
 * three times (the same call added once more), one is new.
 */
export function applyBaseline(run: RunResult, fingerprints: readonly string[], file: string): RunResult {
  const known = new Map<string, number>();
  for (const fp of fingerprints) known.set(fp, (known.get(fp) ?? 0) + 1);
  const findings: Finding[] = [];
  let dropped = 0;
  for (const f of run.findings) {
    const left = known.get(f.fingerprint) ?? 0;
    if (left > 0) {
      known.set(f.fingerprint, left - 1);
      dropped++;
    } else {
      findings.push(f);
    }
  }
  return { ...run, settings: { ...run.settings, baseline: { file, known: dropped } }, findings };
}
