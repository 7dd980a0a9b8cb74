import { describe, expect, it } from 'vitest';
import { explore } from '../../src/sim/explorer.js';
import { isFinal, wordsPerState } from '../../src/sim/model.js';
import { violatedInvariant } from '../../src/sim/properties.js';
import { buildScenario, type ScenarioSpec } from '../../src/sim/scenarios.js';
import { simulate } from '../../src/sim/simulate.js';
import { runCli, fixture } from '../helpers/cli.js';

/**
 * What decides a verdict (issue 13): the inputs read from the code, the interleaving,
 * and not the CPU count. docs/sim.md states these results; this file is their evidence.
 */

/** Completed runs of a scenario: how many end with every property holding, how many violate one on the way. */
function outcomes(spec: ScenarioSpec, flush: 'assisted' | 'ipi'): { clean: number; violating: number } {
  const config = buildScenario(spec, flush).config;
  const { set } = explore(config, { symmetry: false, stopAtViolation: false });
  const words = wordsPerState(config.cpus);
  const state = new Uint8Array(words * 4);
  const view = new Uint32Array(state.buffer);
  let clean = 0;
  let violating = 0;
  for (let id = 0; id < set.count; id++) {
    for (let w = 0; w < words; w++) view[w] = set.data[id * words + w]!;
    if (violatedInvariant(config, state, 0)) violating++;
    else if (isFinal(config, state)) clean++;
  }
  return { clean, violating };
}

describe('the interleaving decides, within a class', () => {
  it('an assisted flush on a page-type change: some interleavings finish clean, others let the walker read the retyped frame', () => {
    // Same class, same mechanism: only the order of the walker's steps against the
    // initiator's decides (the walker must read the pointer before the unlink and the
    // frame after the retype).
    const o = outcomes({ kind: 'page-type-change', arch: 'x86', cpus: 2 }, 'assisted');
    expect(o.clean).toBeGreaterThan(0);
    expect(o.violating).toBeGreaterThan(0);
    // With the IPI every interleaving is clean.
    expect(outcomes({ kind: 'page-type-change', arch: 'x86', cpus: 2 }, 'ipi').violating).toBe(0);
  });
});

describe('the CPU count does not decide (why none can: one walker and one initiator make the hazard)', () => {
  it.each([
    ['page-type-change', true],
    ['page-type-change', false],
    ['allocation', undefined],
    ['deferred-allocation-flush', undefined],
    ['other', undefined],
  ] as const)('%s (old type a page table: %s): the same verdict for 2, 3 and 4 CPUs, more states', (kind, pt) => {
    for (const flush of ['assisted', 'ipi'] as const) {
      const runs = [2, 3, 4].map((cpus) => simulate({ kind, arch: 'x86', cpus, ...(pt === undefined ? {} : { oldTypePageTable: pt }) }, flush));
      expect(new Set(runs.map((r) => r.safe)).size).toBe(1);
      expect(runs[2]!.states).toBeGreaterThanOrEqual(runs[0]!.states);
    }
  });
});

describe('inputs read from the code decide the verdict where the class is the same', () => {
  const review = async (name: string): Promise<{ verdict?: string; inputs?: Record<string, unknown> }[]> => {
    const out = await runCli(['review', fixture('cases', `${name}.diff`), '--tree', fixture('cases', `${name}.tree`), '--format', 'json', '--fail-on', 'never']);
    const run = JSON.parse(out.stdout) as { sites: { change: string; arch?: { x86?: { verdict?: string; sim?: { inputs?: Record<string, unknown> } } } }[] };
    return run.sites.filter((s) => s.change === 'added').map((s) => ({ verdict: s.arch?.x86?.verdict, inputs: s.arch?.x86?.sim?.inputs }));
  };

  it('old types: forcing for L1 only leaves L2-L4 unforced (FC001); built in a local for every table type, ok', async () => {
    const [l1] = await review('ptc-forces-l1-only');
    expect(l1!.verdict).toBe('missing-forced-ipi');
    expect(l1!.inputs?.unforcedOldTypes).toEqual(['PGT_l2_page_table', 'PGT_l3_page_table', 'PGT_l4_page_table']);
    const [local] = await review('ptc-local-flags');
    expect(local!.verdict).toBe('ok');
  });

  it('flags after the local flush: FLUSH_CACHE cleared locally leaves the remote part assisted', async () => {
    const [site] = await review('alloc-relies-on-stripped-flag');
    expect(site!.verdict).toBe('missing-forced-ipi');
    expect(site!.inputs?.flagsAfterLocal).toMatch(/without FLUSH_CACHE/);
    expect(site!.inputs?.filtered).toBe(true);
  });

  it('scope: one VA before a frame becomes a page table is unsafe whatever the mechanism', async () => {
    const [site] = await review('ptc-narrowed-to-one-va');
    expect(site!.verdict).toBe('narrow-scope');
    expect(site!.inputs?.scope).toBe('one VA');
  });
});
