import type { RunResult, Site } from '../types.js';

/**
 * The flush calls a patch rewrites, as (pre-image, post-image) pairs of the
 * same function: a removed and an added copy of the same text first (a call
 * whose guard or place changed), then (`sameText` false) the same API, then
 * what is left, each in line order. The changed-guard rule (FC006) compares
 * guards of copies of the same text only (a rewritten argument, such as a
 * flags choice `c ? a : b`, would read as a guard); the flush-weakened rule
 * (FC010) compares the flags of any rewritten call.
 */
export interface RewrittenCall {
  before: Site;
  after: Site;
}

/** Patch, file and function: where a call's pre- and post-image can be compared. */
export const functionKey = (s: Site): string => `${s.patch}\u0000${s.file}\u0000${s.function ?? ''}`;

export function rewrittenCalls(run: RunResult, sameText: boolean): RewrittenCall[] {
  const removed = new Map<string, Site[]>();
  const added = new Map<string, Site[]>();
  for (const s of run.sites) {
    if (s.kind !== 'call') continue;
    const into = s.change === 'removed' ? removed : s.change === 'added' ? added : undefined;
    if (!into) continue;
    into.set(functionKey(s), [...(into.get(functionKey(s)) ?? []), s]);
  }
  const out: RewrittenCall[] = [];
  for (const [key, afters] of added) {
    const befores = [...(removed.get(key) ?? [])].sort((a, b) => a.line - b.line);
    const left = [...afters].sort((a, b) => a.line - b.line);
    const tests = [(a: Site, b: Site) => a.text === b.text, (a: Site, b: Site) => a.api === b.api, () => true];
    for (const same of sameText ? tests.slice(0, 1) : tests) {
      for (const after of [...left]) {
        const i = befores.findIndex((b) => same(b, after));
        if (i < 0) continue;
        out.push({ before: befores.splice(i, 1)[0]!, after });
        left.splice(left.indexOf(after), 1);
      }
    }
  }
  return out.sort((a, b) => a.after.patch - b.after.patch || (a.after.file < b.after.file ? -1 : a.after.file > b.after.file ? 1 : a.after.line - b.after.line));
}
