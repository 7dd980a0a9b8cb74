import { Transitions } from './actors.js';
import { initialState, isFinal, validateConfig, wordsPerState, type ModelConfig } from './model.js';
import { violatedInvariant, type PropertyId } from './properties.js';
import { StateSet } from './state-set.js';
import { canonicalize, walkerGroup } from './symmetry.js';

export interface ExploreOptions {
  /** Symmetry reduction over interchangeable walker CPUs (default on). */
  symmetry?: boolean;
  /** Stop with `inconclusive` beyond this many distinct states. */
  maxStates?: number;
  /** Stop at the first violation (default) or explore everything (to count states like spin -A -E). */
  stopAtViolation?: boolean;
}

export const DEFAULT_MAX_STATES = 4_000_000;

export interface Exploration {
  safe: boolean;
  /** True when the bound stopped the search before it was complete and nothing failed. */
  inconclusive: boolean;
  bound?: string;
  states: number;
  transitions: number;
  property?: PropertyId;
  /** Id of the first violating state (breadth-first: a shortest path reaches it). */
  violation?: number;
  /** Depth (transitions from the start) of that state. */
  depth?: number;
  set: StateSet;
}

/**
 * Breadth-first exhaustive exploration. States are numbered in discovery order, so the
 * first violation found is at minimal depth and its parent chain is a shortest
 * counterexample. Deterministic: successors are generated in a fixed order.
 */
export function explore(config: ModelConfig, options: ExploreOptions = {}): Exploration {
  const problem = validateConfig(config);
  if (problem) throw new Error(`simulator: ${problem}`);
  const symmetry = options.symmetry ?? true;
  const maxStates = options.maxStates ?? DEFAULT_MAX_STATES;
  const stop = options.stopAtViolation ?? true;
  const t = new Transitions(config);
  const words = wordsPerState(config.cpus);
  const group = walkerGroup(config);
  const set = new StateSet(words);
  const stride = t.stride;

  const cur32 = new Uint32Array(words);
  const cur = new Uint8Array(cur32.buffer);
  const out32 = new Uint32Array(words * t.maxSuccessors);
  const out = new Uint8Array(out32.buffer);
  const codes = new Int32Array(t.maxSuccessors);

  const init = initialState(config);
  if (symmetry) canonicalize(init, 0, group);
  set.add(new Uint32Array(init.buffer), 0, -1, -1);
  let transitions = 0;
  let property: PropertyId | undefined;
  let violation: number | undefined;
  const first = violatedInvariant(config, init, 0);
  if (first) {
    property = `P${first}` as PropertyId;
    violation = 0;
  }

  let head = 0;
  let bounded = false;
  while (head < set.count && !(stop && violation !== undefined)) {
    const base = head * words;
    for (let i = 0; i < words; i++) cur32[i] = set.data[base + i]!;
    const k = t.successors(cur, out, codes);
    transitions += k;
    if (k === 0 && !isFinal(config, cur) && violation === undefined) {
      property = 'P4';
      violation = head;
      if (stop) break;
    }
    for (let i = 0; i < k; i++) {
      if (symmetry) canonicalize(out, i * stride, group);
      const id = set.add(out32, i * words, head, codes[i]!);
      if (id < 0) continue;
      if (violation === undefined) {
        const p = violatedInvariant(config, out, i * stride);
        if (p) {
          property = `P${p}` as PropertyId;
          violation = id;
          if (stop) break;
        }
      }
    }
    head++;
    if (set.count > maxStates) {
      bounded = true;
      break;
    }
  }
  const result: Exploration = {
    safe: violation === undefined && !bounded,
    inconclusive: violation === undefined && bounded,
    states: set.count,
    transitions,
    set,
  };
  if (bounded && violation === undefined) result.bound = `state bound of ${maxStates} distinct states reached`;
  if (violation !== undefined) {
    result.property = property!;
    result.violation = violation;
    result.depth = depthOf(set, violation);
  }
  return result;
}

export function depthOf(set: StateSet, id: number): number {
  let d = 0;
  for (let p = set.parent[id]!; p >= 0; p = set.parent[p]!) d++;
  return d;
}

/** The ids from the initial state to `id`, initial first. */
export function pathTo(set: StateSet, id: number): number[] {
  const path: number[] = [];
  for (let p = id; p >= 0; p = set.parent[p]!) path.push(p);
  return path.reverse();
}
