import {
  CPU_IRQ,
  CPU_PEND,
  CPU_SINCE,
  CPU_TLB,
  CPU_WMAP,
  CPU_WST,
  FLUSHER_CPU,
  FPC_DONE,
  GA_FPC,
  GA_FPC_SHIFT,
  GA_IPC,
  GA_TYPE,
  GA_TYPE_SHIFT,
  GB_GEN,
  GB_LINK,
  GB_LOCK,
  GB_LOCK_SHIFT,
  GB_READERS,
  GB_READERS_SHIFT,
  GB_WRITER,
  INITIATOR_CPU,
  T_FREE,
  T_PT,
  T_WRITABLE,
  W_DONE,
  W_IDLE,
  W_PTR_F0,
  W_PTR_OTHER,
  W_STALE,
  firstWalker,
  wordsPerState,
  type Actor,
  type ModelConfig,
  type Op,
} from './model.js';

/**
 * The actors' transitions. Action codes (recorded per explored state, decoded for traces):
 * walker W1 / W2 / interrupt handler on CPU c = c*4 + 0 / 1 / 2; initiator step
 * `program[pc][alt]` = 64 + pc*4 + alt; second flusher step at fpc = 128 + fpc.
 */
export const ACT_INITIATOR = 64;
export const ACT_FLUSHER = 128;

export interface ActionInfo {
  cpu: number;
  actor: Actor;
  action: string;
}

const FLUSHER_SEND: Op = { kind: 'ipi-send', actor: 'initiator', label: 'flush_tlb_mask(all others): take flush_lock, send flush IPIs, flush locally', next: 1 };
const FLUSHER_WAIT: Op = { kind: 'ipi-wait', actor: 'initiator', label: 'all targets acknowledged: release flush_lock', next: FPC_DONE };

export class Transitions {
  readonly n: number;
  /** Bytes per state in the successor buffer (whole words). */
  readonly stride: number;
  /** Upper bound on the successors of one state. */
  readonly maxSuccessors: number;
  private readonly firstWalker: number;

  constructor(readonly config: ModelConfig) {
    this.n = config.cpus;
    this.stride = wordsPerState(this.n) * 4;
    this.firstWalker = firstWalker(config);
    const branches = Math.max(1, ...config.program.map((alts) => alts.length));
    this.maxSuccessors = this.n * 3 + branches + 1;
  }

  describe(code: number): ActionInfo {
    if (code >= ACT_FLUSHER) {
      const op = code - ACT_FLUSHER === 0 ? FLUSHER_SEND : FLUSHER_WAIT;
      return { cpu: FLUSHER_CPU, actor: op.actor, action: `second flusher: ${op.label}` };
    }
    if (code >= ACT_INITIATOR) {
      const pc = (code - ACT_INITIATOR) >> 2;
      const op = this.config.program[pc]![(code - ACT_INITIATOR) & 3]!;
      return { cpu: INITIATOR_CPU, actor: op.actor, action: op.label };
    }
    const cpu = code >> 2;
    const masking = this.config.walker === 'irq-masking';
    const lock = this.config.walker === 'p2m-lock';
    switch (code & 3) {
      case 0:
        return {
          cpu,
          actor: 'walker',
          action: lock
            ? 'stage-2 fault: take p2m lock (read), read the upper entry'
            : masking
              ? 'spurious_page_fault: interrupts off, read the upper entry'
              : 'spurious_page_fault (interrupts left on), read the upper entry',
        };
      case 1:
        return {
          cpu,
          actor: 'walker',
          action: lock
            ? 'read the entry in the frame it points to, release p2m lock'
            : masking
              ? 'read the entry in the frame it points to, interrupts on'
              : 'read the entry in the frame it points to',
        };
      default:
        return { cpu, actor: 'irq', action: 'take the flush IPI: flush local TLB, acknowledge' };
    }
  }

  /**
   * Writes every successor of `s` into `out` (at `stride` bytes each) and its action code
   * into `codes`; returns how many.
   */
  successors(s: Uint8Array, out: Uint8Array, codes: Int32Array): number {
    const n = this.n;
    const stride = this.stride;
    const ga = s[n]!;
    const gb = s[n + 1]!;
    let k = 0;

    // Walkers.
    const walker = this.config.walker;
    for (let c = this.firstWalker; c < n; c++) {
      const b = s[c]!;
      const w = b & CPU_WST;
      if (w === W_IDLE) {
        if (walker === 'p2m-lock' && gb & GB_WRITER) continue;
        const o = k * stride;
        out.set(s.subarray(0, stride), o);
        const ptr = this.config.walkerSeesFrame && gb & GB_LINK ? W_PTR_F0 + (gb & GB_GEN) : W_PTR_OTHER;
        out[o + c] = (b & ~CPU_WST & (walker === 'irq-masking' ? ~CPU_IRQ : 0xff)) | ptr;
        if (walker === 'p2m-lock') out[o + n + 1] = gb + (1 << GB_READERS_SHIFT);
        codes[k++] = c * 4;
      } else if (w < W_DONE) {
        const o = k * stride;
        out.set(s.subarray(0, stride), o);
        const stale = w !== W_PTR_OTHER && w - W_PTR_F0 !== (gb & GB_GEN);
        out[o + c] = (b & ~CPU_WST) | (stale ? W_STALE : W_DONE) | (walker === 'irq-masking' ? CPU_IRQ : 0);
        if (walker === 'p2m-lock') out[o + n + 1] = gb - (1 << GB_READERS_SHIFT);
        codes[k++] = c * 4 + 1;
      }
    }

    // Interrupt handlers: a pending flush IPI is taken only with interrupts on.
    for (let c = 0; c < n; c++) {
      const b = s[c]!;
      if ((b & (CPU_PEND | CPU_IRQ)) === (CPU_PEND | CPU_IRQ)) {
        const o = k * stride;
        out.set(s.subarray(0, stride), o);
        out[o + c] = (b & ~(CPU_PEND | CPU_TLB | CPU_WMAP)) | CPU_SINCE;
        codes[k++] = c * 4 + 2;
      }
    }

    // Initiator.
    const pc = ga & GA_IPC;
    const program = this.config.program;
    if (pc < program.length) {
      const alts = program[pc]!;
      for (let alt = 0; alt < alts.length; alt++) {
        const op = alts[alt]!;
        const o = k * stride;
        if (this.apply(op, INITIATOR_CPU, 1, s, out, o)) {
          out[o + n] = (out[o + n]! & ~GA_IPC) | op.next;
          codes[k++] = ACT_INITIATOR + pc * 4 + alt;
        }
      }
    }

    // Second flusher.
    if (this.config.secondFlusher) {
      const fpc = (ga & GA_FPC) >> GA_FPC_SHIFT;
      if (fpc < FPC_DONE) {
        const o = k * stride;
        if (this.apply(fpc === 0 ? FLUSHER_SEND : FLUSHER_WAIT, FLUSHER_CPU, 2, s, out, o)) {
          out[o + n] = (out[o + n]! & ~GA_FPC) | ((fpc + 1) << GA_FPC_SHIFT);
          codes[k++] = ACT_FLUSHER + fpc;
        }
      }
    }
    return k;
  }

  /** Applies one initiator/flusher step of CPU `self` if enabled; `lockId` marks the flush-lock holder. */
  private apply(op: Op, self: number, lockId: number, s: Uint8Array, out: Uint8Array, o: number): boolean {
    const n = this.n;
    const gb = s[n + 1]!;
    if (op.takeP2m && (gb & (GB_WRITER | GB_READERS)) !== 0) return false;
    switch (op.kind) {
      case 'ipi-send':
        if ((gb & GB_LOCK) !== 0) return false;
        break;
      case 'ipi-wait':
        if ((gb & GB_LOCK) >> GB_LOCK_SHIFT !== lockId) return false;
        for (let c = 0; c < n; c++) if (c !== self && s[c]! & CPU_PEND) return false;
        break;
      default:
        break;
    }
    out.set(s.subarray(0, this.stride), o);
    let b = gb;
    switch (op.kind) {
      case 'unlink':
        b &= ~GB_LINK;
        break;
      case 'free':
        b &= ~GB_LINK;
        out[o + n] = (out[o + n]! & ~GA_TYPE) | (T_FREE << GA_TYPE_SHIFT);
        for (let c = 0; c < n; c++) out[o + c] = out[o + c]! & ~CPU_SINCE;
        break;
      case 'mark':
        break;
      case 'irq-off':
        out[o + self] = out[o + self]! & ~CPU_IRQ;
        break;
      case 'irq-on':
        out[o + self] = out[o + self]! | CPU_IRQ;
        break;
      case 'ipi-send':
        b = (b & ~GB_LOCK) | (lockId << GB_LOCK_SHIFT);
        for (let c = 0; c < n; c++) {
          if (c === self) out[o + c] = (out[o + c]! & ~(CPU_TLB | CPU_WMAP)) | CPU_SINCE;
          else if (!op.filtered || !(s[c]! & CPU_SINCE)) out[o + c] = out[o + c]! | CPU_PEND;
        }
        break;
      case 'ipi-wait':
        b &= ~GB_LOCK;
        break;
      case 'remote-drop':
        for (let c = 0; c < n; c++) {
          if (c === self || !op.filtered || !(s[c]! & CPU_SINCE)) out[o + c] = (out[o + c]! & ~(CPU_TLB | CPU_WMAP)) | CPU_SINCE;
        }
        break;
      case 'retype-writable':
        b |= GB_GEN;
        out[o + n] = (out[o + n]! & ~GA_TYPE) | (T_WRITABLE << GA_TYPE_SHIFT);
        break;
      case 'retype-pt':
        b |= GB_GEN | GB_LINK;
        out[o + n] = (out[o + n]! & ~GA_TYPE) | (T_PT << GA_TYPE_SHIFT);
        break;
    }
    if (op.takeP2m) b |= GB_WRITER;
    if (op.releaseP2m) b &= ~GB_WRITER;
    out[o + n + 1] = b;
    return true;
  }
}
