/**
 * The explicit-state model of a small machine: N pCPUs around one frame F.
 *
 * STEP GRANULARITY (the design decision that dominates the state count; see docs/sim.md).
 * One transition is one of the following, each atomic:
 *  - walker (spurious_page_fault on x86): W1 = "interrupts off + read the upper entry"
 *    (records which frame it points to and that frame's generation); W2 = "read the entry
 *    in the frame it points to + interrupts on". Merging "interrupts off" into W1 and
 *    "interrupts on" into W2 loses no behaviour: nothing another CPU does can observe the
 *    walker's interrupt flag except an IPI delivery, and a delivery is its own transition
 *    that may always be postponed. P1 is decided at W2, where the read happens.
 *    On Arm the walker is the stage-2 fault handler: W1 takes the p2m lock for reading,
 *    W2 releases it; it never masks interrupts.
 *  - interrupt handler on CPU c: takes c's pending flush IPI (only with interrupts on),
 *    flushes c's TLB and acknowledges, in one step.
 *  - initiator: one step per operation of the site's scenario (unlink, free, retype,
 *    reuse, ...), and the flush as its mechanism expands it: an IPI flush is two steps
 *    ("take the flush lock, send to every target, flush locally" and "see every target
 *    acknowledged, release the lock"); an assisted / broadcast / firmware flush is one
 *    step that drops every target's entries at once; `none` is no step.
 *  - second flusher (only in the deadlock scenario): the same two IPI steps on CPU 1.
 * Each walker walks once; the hardware does not refill TLBs (F is unlinked before any
 * flush, so a refill through F is impossible after it). The Promela twin
 * (src/sim/promela/flush.pml) has exactly one d_step per transition listed here.
 *
 * STATE: one byte per CPU plus two bytes of globals, packed into 32-bit words (never
 * strings). Per-CPU byte: walker state (3 bits), interrupt enable, pending flush IPI,
 * TLB entry through/to F, writable mapping of F, "flushed since F's TLB-flush stamp".
 * Globals: initiator pc, second flusher pc, F's page type, F's generation, whether the
 * upper entry points to F, flush-lock holder, p2m write lock, p2m reader count.
 */

/** Walker states (3 bits). */
export const W_IDLE = 0;
/** Holds a pointer to a frame the scenario never changes (or to nothing). */
export const W_PTR_OTHER = 1;
/** Holds a pointer to F read while F had generation 0 / 1. */
export const W_PTR_F0 = 2;
export const W_PTR_F1 = 3;
export const W_DONE = 4;
/** Read an entry of F after F changed generation: P1 violated. */
export const W_STALE = 5;

/** Per-CPU byte bits. */
export const CPU_WST = 0x07;
export const CPU_IRQ = 0x08;
export const CPU_PEND = 0x10;
export const CPU_TLB = 0x20;
export const CPU_WMAP = 0x40;
export const CPU_SINCE = 0x80;

/** Frame page types. */
export const T_FREE = 0;
export const T_PT = 1;
export const T_WRITABLE = 2;
export const FRAME_TYPE_NAMES = ['free', 'page table', 'writable'] as const;

/** Global byte A (index N): initiator pc (4 bits), flusher pc (2 bits), F's type (2 bits). */
export const GA_IPC = 0x0f;
export const GA_FPC_SHIFT = 4;
export const GA_FPC = 0x30;
export const GA_TYPE_SHIFT = 6;
export const GA_TYPE = 0xc0;
/** Global byte B (index N+1): gen, link, flush lock (0 free, 1 initiator, 2 flusher), p2m writer, p2m readers. */
export const GB_GEN = 0x01;
export const GB_LINK = 0x02;
export const GB_LOCK_SHIFT = 2;
export const GB_LOCK = 0x0c;
export const GB_WRITER = 0x10;
export const GB_READERS_SHIFT = 5;
export const GB_READERS = 0xe0;

export const INITIATOR_CPU = 0;
export const FLUSHER_CPU = 1;
/** Second flusher: send, wait, done. */
export const FPC_DONE = 2;

export const MIN_CPUS = 2;
/** Readers are counted in 3 bits; the initiator is never a reader. */
export const MAX_CPUS = 8;

export type Actor = 'walker' | 'initiator' | 'irq' | 'hw' | 'owner';

export type OpKind =
  /** The upper entry stops pointing to F (F's last page-table reference goes). */
  | 'unlink'
  /** unlink + F freed + TLB-flush stamp taken (every CPU's "flushed since" cleared). */
  | 'free'
  /** A step that changes nothing the other actors see (unmap a data page, allocate without flushing). */
  | 'mark'
  | 'irq-off'
  | 'irq-on'
  /** IPI flush: lock, set pending on every target, flush locally. */
  | 'ipi-send'
  /** IPI flush: every target acknowledged; unlock. */
  | 'ipi-wait'
  /** Assisted / broadcast / firmware flush: every target's entries dropped at once. */
  | 'remote-drop'
  /** F stops being a page table (or a data page) and is written as writable: gen 1. */
  | 'retype-writable'
  /** F (was writable) becomes a page table and is linked: gen 1. */
  | 'retype-pt';

export interface Op {
  kind: OpKind;
  actor: Actor;
  /** What the step does, in the trace. */
  label: string;
  /** Next initiator pc. */
  next: number;
  /** The mask is narrowed by the TLB-flush timestamps (tlbflush_filter). */
  filtered?: boolean;
  /** Arm: this step needs the p2m write lock and takes it / releases it afterwards. */
  takeP2m?: boolean;
  releaseP2m?: boolean;
}

export type WalkerKind =
  /** x86 spurious_page_fault: interrupts off for the walk. */
  | 'irq-masking'
  /** Mutation: the walk leaves interrupts on. */
  | 'unmasked'
  /** Arm stage-2 fault handler: the walk holds the p2m lock (read). */
  | 'p2m-lock';

export interface ModelConfig {
  cpus: number;
  walker: WalkerKind;
  /** False when the walker only reads frames nobody retypes (HAP-only x86 builds, ports without PV). */
  walkerSeesFrame: boolean;
  /** F at the start. */
  frame: { type: number; linked: boolean; cached: boolean; writableMapped: boolean };
  /** program[pc] = the steps the initiator may take at pc (more than one: a branch). pc = length: done. */
  program: Op[][];
  /** A second CPU doing an IPI flush of everyone (the deadlock scenario). */
  secondFlusher: boolean;
}

export const bytesPerState = (cpus: number): number => cpus + 2;
export const wordsPerState = (cpus: number): number => Math.ceil(bytesPerState(cpus) / 4);

export function firstWalker(config: ModelConfig): number {
  return config.secondFlusher ? 2 : 1;
}

export function initialState(config: ModelConfig): Uint8Array {
  const n = config.cpus;
  const s = new Uint8Array(wordsPerState(n) * 4);
  const f = config.frame;
  const cpu = CPU_IRQ | (f.cached ? CPU_TLB : 0) | (f.writableMapped ? CPU_WMAP : 0);
  for (let c = 0; c < n; c++) s[c] = cpu | W_IDLE;
  s[n] = (f.type << GA_TYPE_SHIFT) & GA_TYPE;
  s[n + 1] = f.linked ? GB_LINK : 0;
  return s;
}

/** All actors finished: no flush in flight, every walk done. */
export function isFinal(config: ModelConfig, s: Uint8Array): boolean {
  const n = config.cpus;
  if ((s[n]! & GA_IPC) !== config.program.length) return false;
  if (config.secondFlusher && (s[n]! & GA_FPC) >> GA_FPC_SHIFT !== FPC_DONE) return false;
  for (let c = firstWalker(config); c < n; c++) if ((s[c]! & CPU_WST) < W_DONE) return false;
  return true;
}

export function validateConfig(config: ModelConfig): string | undefined {
  if (!Number.isInteger(config.cpus) || config.cpus < MIN_CPUS || config.cpus > MAX_CPUS) return `cpus must be a whole number from ${MIN_CPUS} to ${MAX_CPUS}`;
  if (config.program.length > GA_IPC) return `initiator program longer than ${GA_IPC} steps`;
  if (config.secondFlusher && config.cpus < 2) return 'a second flusher needs two CPUs';
  return undefined;
}
