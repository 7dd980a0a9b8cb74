import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exposedReleases } from '../../src/classify/free-before-flush.js';
import { readPatches } from '../../src/parser/read-input.js';
import { FREE, runStages, stageSteps, STAGES } from '../../src/pipeline/stages.js';
import { builtinFamily } from '../../src/sites/find-sites.js';
import type { PatchAnalysis, Site, Stage } from '../../src/types.js';
import { RunContext } from '../../src/util/run-context.js';
import { fixture } from '../helpers/cli.js';
import { reviewText } from '../report/fixture-run.js';

const analysis = (): PatchAnalysis => ({
  patch: { meta: { index: 0, source: 't', form: 'unified-diff' }, files: [] },
  collected: [],
  sites: [],
  family: builtinFamily(),
  options: { arches: ['x86'], config: {} },
  run: new RunContext(),
});

describe('review steps', () => {
  it('stageSteps turns the event loop after each stage and ends with what runStages gives', () => {
    const seen: string[] = [];
    const stages: Stage[] = ['a', 'b', 'c'].map((name) => (a) => {
      seen.push(name);
      return [...a.sites, { id: name } as Site];
    });
    const steps = stageSteps(analysis(), stages);
    const yielded: unknown[] = [];
    let step = steps.next();
    for (; !step.done; step = steps.next()) yielded.push(step.value);
    expect(yielded).toEqual([FREE, FREE, FREE]);
    expect(step.value.map((s) => s.id)).toEqual(['a', 'b', 'c']);
    expect(runStages(analysis(), stages).map((s) => s.id)).toEqual(['a', 'b', 'c']);
    expect(STAGES.length).toBe(3);
  });

  it('page releases compared file by file come out as one comparison of the whole patch gives them', () => {
    // Three FC009 cases in one patch, files out of path order: the order is the comparison's, not the patch's.
    const names = ['free-flush-after-free.diff', 'free-p2m-sync-removed.diff', 'free-flush-removed-other-path.diff'];
    const text = names.map((n) => readFileSync(fixture('cases', n), 'utf8')).join('');
    const run = reviewText('three.diff', text);
    const read = readPatches('three.diff', text, 0);
    if (!read.ok) throw new Error('fixtures must read');
    const whole = read.value.patches.flatMap((p) => exposedReleases(p, undefined, builtinFamily()));
    expect(new Set(whole.map((e) => e.file)).size).toBeGreaterThan(1);
    expect(whole[0]!.file).not.toBe(read.value.patches[0]!.files[0]!.newPath);
    expect((run.exposedReleases ?? []).map((e) => [e.file, e.line, e.api])).toEqual(whole.map((e) => [e.file, e.line, e.api]));
  });
});
