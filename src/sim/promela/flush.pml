/*
 * flush.pml: the Promela twin of the simulator in src/sim (written by hand from
 * docs/sim.md, not generated), checked with spin by test/sim/spin-crosscheck.test.ts.
 * Exactly the same steps: one d_step per simulator transition (walker W1 and W2, the
 * interrupt handler, each initiator step, each second-flusher step); the same state
 * variables (every extra one here is a function of the others, or hidden).
 *
 * Parameters (spin -DNAME=value):
 *   N        number of CPUs (2..8)
 *   SCEN     1 page-type-change (old type a page table), 2 page-type-change (old type
 *            not a page table), 3 allocation, 4 deferred-allocation-flush, 5 other
 *   FLUSH    0 none, 1 IPI flush, 2 flush that drops remote entries at once
 *            (assisted, broadcast, firmware: the same behaviour in the model)
 *   SKIP     1: the deferred owner also has an exit path that skips the flush
 *   ARM      1: Arm (walker takes the p2m lock; no interrupt masking)
 *   SEES     0: the walker never reads F (HAP-only x86, ports without PV)
 *   UNMASKED 1: mutation, the walker leaves interrupts on
 *   IRQOFF   1: mutation, the initiator flushes with interrupts off and CPU 1 runs a
 *            second IPI flush
 * P1-P3 are asserted at the end of every d_step (so spin reports a violation at the
 * depth of the step's source state); P4 (deadlock) is the watchdog's timeout assertion.
 */
#ifndef N
#define N 3
#endif
#ifndef SCEN
#define SCEN 1
#endif
#ifndef FLUSH
#define FLUSH 2
#endif
#ifndef SKIP
#define SKIP 0
#endif
#ifndef ARM
#define ARM 0
#endif
#ifndef SEES
#define SEES 1
#endif
#ifndef UNMASKED
#define UNMASKED 0
#endif
#ifndef IRQOFF
#define IRQOFF 0
#endif

#define W_IDLE 0
#define W_PTR_OTHER 1
#define W_PTR_F0 2
#define W_PTR_F1 3
#define W_DONE 4
#define W_STALE 5

#define T_FREE 0
#define T_PT 1
#define T_WRITABLE 2

#define MASKING (!ARM && !UNMASKED)
#define FIRSTW (IRQOFF + 1)
#define FILTERED (SCEN == 3 || SCEN == 4)

/* F at the start, by scenario. */
#if SCEN == 1 || SCEN == 3 || SCEN == 4
#define TYPE0 T_PT
#define LINK0 1
#define TLB0 1
#define WMAP0 0
#elif SCEN == 2
#define TYPE0 T_WRITABLE
#define LINK0 0
#define TLB0 0
#define WMAP0 1
#else
#define TYPE0 T_WRITABLE
#define LINK0 0
#define TLB0 1
#define WMAP0 0
#endif

/* Initiator program counters: prep step(s), exit (irq-off?), flush steps, irq-on?, last step. */
#if SCEN == 4
#define EXIT 2
#else
#define EXIT 1
#endif
#define F0 (EXIT + IRQOFF)
#if FLUSH == 1
#define NFLUSH 2
#elif FLUSH == 2
#define NFLUSH 1
#elif SCEN == 4
#define NFLUSH 1
#else
#define NFLUSH 0
#endif
#define LAST (F0 + NFLUSH + IRQOFF)
#define DONE (LAST + 1)

bit irq[N] = 1;
bit pend[N];
bit tlb[N] = TLB0;
bit wmap[N] = WMAP0;
bit since[N];
byte wst[N];
byte ipc;
byte fpc;
byte ftype = TYPE0;
bit gen;
bit link = LINK0;
byte lock;      /* 0 free, 1 initiator (CPU 0), 2 second flusher (CPU 1) */
bit writer;     /* p2m write lock (Arm) */
byte readers;   /* p2m read lock holders (Arm) */
byte npend;     /* number of pending flush IPIs: a function of pend[] */
/* Scratch, zero in every stored state (spin's BFS does not allow hidden variables). */
byte k;
byte bad;

inline check() {
  bad = 0;
  for (k : 0 .. N - 1) {
    if
    :: wst[k] == W_STALE -> bad = 1
    :: else -> skip
    fi;
    if
    :: gen && tlb[k] -> bad = 1
    :: else -> skip
    fi;
    if
    :: ftype == T_PT && wmap[k] -> bad = 1
    :: else -> skip
    fi
  };
  k = 0;
  assert(!bad);
  bad = 0
}

inline local_flush(c) {
  tlb[c] = 0; wmap[c] = 0; since[c] = 1
}

/* IPI flush, first step: lock, pending on every (filtered) target, flush locally. */
inline ipi_send(self, lockid, filt) {
  lock = lockid;
  for (k : 0 .. N - 1) {
    if
    :: k == self -> local_flush(k)
    :: else ->
      if
      :: !filt || !since[k] -> pend[k] = 1; npend++
      :: else -> skip
      fi
    fi
  };
  k = 0
}

/* Assisted / broadcast / firmware: every (filtered) target's entries dropped at once. */
inline remote_drop(self, filt) {
  for (k : 0 .. N - 1) {
    if
    :: k == self || !filt || !since[k] -> local_flush(k)
    :: else -> skip
    fi
  };
  k = 0
}

#define TAKE_OK (!ARM || (!writer && readers == 0))

active [N] proctype cpu() {
end:
  do
  /* walker W1: (interrupts off | p2m read lock), read the upper entry */
  :: d_step { _pid >= FIRSTW && wst[_pid] == W_IDLE && (!ARM || !writer) ->
       if
       :: SEES && link -> wst[_pid] = W_PTR_F0 + gen
       :: else -> wst[_pid] = W_PTR_OTHER
       fi;
       if
       :: MASKING -> irq[_pid] = 0
       :: else -> skip
       fi;
       if
       :: ARM -> readers++
       :: else -> skip
       fi;
       check() }
  /* walker W2: read the entry in the frame, (interrupts on | p2m unlock) */
  :: d_step { _pid >= FIRSTW && wst[_pid] >= W_PTR_OTHER && wst[_pid] <= W_PTR_F1 ->
       if
       :: wst[_pid] != W_PTR_OTHER && wst[_pid] - W_PTR_F0 != gen -> wst[_pid] = W_STALE
       :: else -> wst[_pid] = W_DONE
       fi;
       if
       :: MASKING -> irq[_pid] = 1
       :: else -> skip
       fi;
       if
       :: ARM -> readers--
       :: else -> skip
       fi;
       check() }
  /* interrupt handler: a pending flush IPI, only with interrupts on */
  :: d_step { pend[_pid] && irq[_pid] -> pend[_pid] = 0; npend--; local_flush(_pid); check() }

  /* initiator, CPU 0: the scenario's first step */
  :: d_step { _pid == 0 && ipc == 0 && TAKE_OK ->
#if SCEN == 1
       link = 0;
#elif SCEN == 3 || SCEN == 4
       link = 0; ftype = T_FREE;
       for (k : 0 .. N - 1) { since[k] = 0 }; k = 0;
#endif
       if
       :: ARM -> writer = 1
       :: else -> skip
       fi;
       ipc = 1; check() }
#if SCEN == 4
  /* owner allocates with MEMF_no_tlbflush */
  :: d_step { _pid == 0 && ipc == 1 -> ipc = 2; check() }
#endif
#if IRQOFF
  :: d_step { _pid == 0 && ipc == EXIT -> irq[0] = 0; ipc = F0; check() }
  :: d_step { _pid == 0 && ipc == F0 + NFLUSH -> irq[0] = 1; ipc = LAST; check() }
#endif
#if FLUSH == 1
  :: d_step { _pid == 0 && ipc == F0 && lock == 0 -> ipi_send(0, 1, FILTERED); ipc = F0 + 1; check() }
  :: d_step { _pid == 0 && ipc == F0 + 1 && lock == 1 && npend == 0 -> lock = 0; ipc = F0 + 2; check() }
#elif FLUSH == 2
  :: d_step { _pid == 0 && ipc == F0 -> remote_drop(0, FILTERED); ipc = F0 + 1; check() }
#elif SCEN == 4
  /* the owner's exit path with the flush, which flushes nothing here */
  :: d_step { _pid == 0 && ipc == F0 -> ipc = F0 + 1; check() }
#endif
#if SCEN == 4 && SKIP
  /* the owner's exit path that skips the flush */
  :: d_step { _pid == 0 && ipc == EXIT -> ipc = LAST; check() }
#endif
  /* the scenario's last step: F retyped or reused (generation 1) */
  :: d_step { _pid == 0 && ipc == LAST ->
#if SCEN == 2
       ftype = T_PT; link = 1;
#else
       ftype = T_WRITABLE;
#endif
       gen = 1;
       if
       :: ARM -> writer = 0
       :: else -> skip
       fi;
       ipc = DONE; check() }

#if IRQOFF
  /* second flusher, CPU 1: an IPI flush of every other CPU */
  :: d_step { _pid == 1 && fpc == 0 && lock == 0 -> ipi_send(1, 2, 0); fpc = 1; check() }
  :: d_step { _pid == 1 && fpc == 1 && lock == 2 && npend == 0 -> lock = 0; fpc = 2; check() }
#endif
  od
}

/* P4: when nothing can move, every actor must be done. */
active proctype watchdog() {
end:
  do
  :: d_step { timeout ->
       bad = (ipc != DONE) || (IRQOFF && fpc != 2);
       for (k : FIRSTW .. N - 1) {
         if
         :: wst[k] < W_DONE -> bad = 1
         :: else -> skip
         fi
       };
       k = 0;
       /* written differently from check()'s assertion, so reports tell P4 apart */
       assert(bad == 0);
       bad = 0 }
  od
}
