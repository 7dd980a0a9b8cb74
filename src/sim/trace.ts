import type { TraceStep } from '../types.js';
import { Transitions } from './actors.js';
import { pathTo, type Exploration } from './explorer.js';
import {
  CPU_IRQ,
  CPU_PEND,
  CPU_TLB,
  CPU_WMAP,
  CPU_WST,
  FRAME_TYPE_NAMES,
  GA_TYPE,
  GA_TYPE_SHIFT,
  GB_GEN,
  GB_LINK,
  GB_LOCK,
  GB_LOCK_SHIFT,
  GB_WRITER,
  W_DONE,
  W_PTR_F0,
  W_PTR_F1,
  W_PTR_OTHER,
  W_STALE,
  initialState,
  wordsPerState,
  type ModelConfig,
} from './model.js';
import { canonicalize, walkerGroup } from './symmetry.js';

/**
 * Turns the counterexample the explorer found (a chain of canonical states) into a
 * concrete run: from the real initial state, at each step pick the successor whose
 * canonical form is the next state on the chain (lowest action code first, so the
 * choice is deterministic), and describe what changed.
 */
export function buildTrace(config: ModelConfig, exploration: Exploration, symmetry: boolean): TraceStep[] {
  if (exploration.violation === undefined) return [];
  const set = exploration.set;
  const words = wordsPerState(config.cpus);
  const t = new Transitions(config);
  const group = walkerGroup(config);
  const ids = pathTo(set, exploration.violation);
  const out = new Uint8Array(t.stride * t.maxSuccessors);
  const codes = new Int32Array(t.maxSuccessors);
  let cur = initialState(config);
  const steps: TraceStep[] = [];
  for (let i = 1; i < ids.length; i++) {
    const target = new Uint8Array(set.data.slice(ids[i]! * words, ids[i]! * words + words).buffer);
    const k = t.successors(cur, out, codes);
    let chosen = -1;
    for (let j = 0; j < k; j++) {
      const candidate = out.slice(j * t.stride, (j + 1) * t.stride);
      if (symmetry) canonicalize(candidate, 0, group);
      if (equal(candidate, target) && (chosen < 0 || codes[j]! < codes[chosen]!)) chosen = j;
    }
    if (chosen < 0) throw new Error('simulator: counterexample replay lost its way (model defect)');
    const next = out.slice(chosen * t.stride, (chosen + 1) * t.stride);
    const info = t.describe(codes[chosen]!);
    steps.push({ step: i, cpu: info.cpu, actor: info.actor, action: info.action, effect: describeEffect(config, cur, next) });
    cur = next;
  }
  return steps;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const pointer = (w: number): string => (w === W_PTR_OTHER ? 'a frame nobody changes (or nothing)' : `F (generation ${w - W_PTR_F0})`);

/** What changed between two concrete states, in words. */
export function describeEffect(config: ModelConfig, before: Uint8Array, after: Uint8Array): string {
  const n = config.cpus;
  const parts: string[] = [];
  for (let c = 0; c < n; c++) {
    const a = before[c]!;
    const b = after[c]!;
    if (a === b) continue;
    const wa = a & CPU_WST;
    const wb = b & CPU_WST;
    if (wa !== wb) {
      if (wb >= W_PTR_OTHER && wb <= W_PTR_F1) parts.push(`CPU${c} holds a pointer to ${pointer(wb)}`);
      else if (wb === W_DONE) parts.push(wa === W_PTR_OTHER ? `CPU${c} walk done` : `CPU${c} read F's entry (F still generation ${wa - W_PTR_F0}): walk done`);
      else if (wb === W_STALE) parts.push(`CPU${c} read an entry of F, which changed generation since CPU${c} read the pointer to it: stale read`);
    }
    if ((a ^ b) & CPU_IRQ) parts.push(`CPU${c} interrupts ${b & CPU_IRQ ? 'on' : 'off'}`);
    if ((a ^ b) & CPU_PEND) parts.push(b & CPU_PEND ? `flush IPI pending on CPU${c}` : `CPU${c} acknowledged`);
    if (a & CPU_TLB && !(b & CPU_TLB)) parts.push(`CPU${c} TLB no longer caches translations through F`);
    if (a & CPU_WMAP && !(b & CPU_WMAP)) parts.push(`CPU${c} TLB no longer maps F writable`);
  }
  const ta = (before[n]! & GA_TYPE) >> GA_TYPE_SHIFT;
  const tb = (after[n]! & GA_TYPE) >> GA_TYPE_SHIFT;
  if (ta !== tb) parts.push(`F: ${FRAME_TYPE_NAMES[ta]} → ${FRAME_TYPE_NAMES[tb]}`);
  const ga = before[n + 1]!;
  const gb = after[n + 1]!;
  if ((ga ^ gb) & GB_GEN) parts.push(`F generation ${ga & GB_GEN} → ${gb & GB_GEN}`);
  if ((ga ^ gb) & GB_LINK) parts.push(gb & GB_LINK ? 'upper entry points to F' : 'upper entry no longer points to F');
  if ((ga ^ gb) & GB_LOCK) parts.push(gb & GB_LOCK ? `flush_lock held by CPU${((gb & GB_LOCK) >> GB_LOCK_SHIFT) - 1}` : 'flush_lock released');
  if ((ga ^ gb) & GB_WRITER) parts.push(gb & GB_WRITER ? 'p2m lock held for writing' : 'p2m lock released');
  return parts.length ? parts.join('; ') : 'no visible change';
}
