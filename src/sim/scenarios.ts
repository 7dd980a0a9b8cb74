import type { Arch, SiteClass } from '../types.js';
import { flushSteps, type ConcreteFlush } from './mechanisms.js';
import { T_PT, T_WRITABLE, type Actor, type ModelConfig, type Op, type OpKind, type WalkerKind } from './model.js';

/** Model changes that must make a correct policy fail (the mutation suite). */
export type Mutation =
  /** The walker does not mask interrupts: an IPI flush no longer waits for it. */
  | 'walker-unmasked'
  /** The initiator flushes with interrupts off while a second CPU flushes too. */
  | 'initiator-irq-off';

export const MUTATIONS: readonly Mutation[] = ['walker-unmasked', 'initiator-irq-off'];
export const SCENARIO_KINDS: readonly SiteClass[] = ['page-type-change', 'allocation', 'deferred-allocation-flush', 'other'];

/** What to simulate, derived from a site's class (or chosen on the command line). */
export interface ScenarioSpec {
  kind: SiteClass;
  arch: Arch;
  cpus: number;
  /** page-type-change: whether the old type was a page table (default true). */
  oldTypePageTable?: boolean;
  /** deferred-allocation-flush: the owner also has an exit path that skips the flush. */
  skipPath?: boolean;
  /** x86: PV or shadow paging is built in, so Xen's walker reads guest-owned page tables (default true). */
  guestTablesShared?: boolean;
  mutation?: Mutation;
}

export interface BuiltScenario {
  config: ModelConfig;
  /** Short name, e.g. `page-type-change (old type a page table)`. */
  name: string;
  /** What the scenario assumes, in words (architecture differences are said, not hidden). */
  notes: string[];
}

export function scenarioName(spec: ScenarioSpec): string {
  const parts: string[] = [];
  if (spec.kind === 'page-type-change') parts.push(spec.oldTypePageTable === false ? 'old type not a page table' : 'old type a page table');
  if (spec.kind === 'deferred-allocation-flush' && spec.skipPath) parts.push('with a path that skips the flush');
  if (spec.mutation === 'walker-unmasked') parts.push('walker leaves interrupts on');
  if (spec.mutation === 'initiator-irq-off') parts.push('initiator flushes with interrupts off beside a second flusher');
  return parts.length ? `${spec.kind} (${parts.join('; ')})` : spec.kind;
}

/** Builds the machine for a scenario whose site flushes with `flush`. */
export function buildScenario(spec: ScenarioSpec, flush: ConcreteFlush): BuiltScenario {
  const notes: string[] = [];
  const arm = spec.arch === 'arm';
  let walker: WalkerKind = arm ? 'p2m-lock' : spec.mutation === 'walker-unmasked' ? 'unmasked' : 'irq-masking';
  if (arm && spec.mutation === 'walker-unmasked') walker = 'p2m-lock';
  let walkerSeesFrame = true;
  if (arm) {
    notes.push(
      'Arm: there is no interrupt-masking walker. Spurious stage-2 faults take the p2m lock, which the p2m update holds from the unlink until its flush completed, so a walk and the update never overlap.',
    );
  } else if (spec.arch === 'x86' && spec.guestTablesShared === false) {
    walkerSeesFrame = false;
    notes.push('HAP-only build (no CONFIG_PV, no CONFIG_SHADOW_PAGING): guests own their page tables, so the walker never reads a frame this site changes.');
  } else if (spec.arch === 'riscv' || spec.arch === 'ppc') {
    walkerSeesFrame = false;
    notes.push(`${spec.arch}: no PV or shadow paging, so no walker reads guest-owned page tables; the walker only reads frames nobody changes.`);
  }

  const program: Op[][] = [];
  const step = (kind: OpKind, actor: Actor, label: string, extra: Partial<Op> = {}): void => {
    program.push([{ kind, actor, label, next: program.length + 1, ...extra }]);
  };
  const flushAt = (actor: Actor, filtered: boolean, what: string): void => {
    if (spec.mutation === 'initiator-irq-off') step('irq-off', actor, 'local_irq_disable()');
    for (const op of flushSteps(flush, program.length, actor, filtered, what)) program.push([op]);
    if (spec.mutation === 'initiator-irq-off') step('irq-on', actor, 'local_irq_enable()');
  };
  // On Arm the p2m update holds the p2m write lock from its first step until after the flush.
  const take = arm ? { takeP2m: true } : {};
  const release = arm ? { releaseP2m: true } : {};
  let frame: ModelConfig['frame'];

  switch (spec.kind) {
    case 'page-type-change':
      if (arm) notes.push('Arm has no PV page types: the type change is modelled as a stage-2 table frame that is unlinked, flushed and reused.');
      if (spec.oldTypePageTable === false) {
        frame = { type: T_WRITABLE, linked: false, cached: false, writableMapped: true };
        notes.push('F was a writable page (not a page table): CPUs may cache writable mappings of it, and no walker can hold a pointer to it.');
        step('mark', 'initiator', 'last writable mapping of F removed (type count drops to zero)', take);
        flushAt('initiator', false, '_get_page_type: flush before the type changes');
        step('retype-pt', 'initiator', '_get_page_type: F validated as a page table and linked into the upper table', release);
      } else {
        frame = { type: T_PT, linked: true, cached: true, writableMapped: false };
        step('unlink', 'initiator', 'put_page_type: the upper entry stops pointing to F (its last page-table reference)', take);
        flushAt('initiator', false, '_get_page_type: flush before the type changes');
        step('retype-writable', 'initiator', '_get_page_type: F retyped from page table to writable, then written', release);
      }
      break;
    case 'allocation':
      frame = { type: T_PT, linked: true, cached: true, writableMapped: false };
      step('free', 'initiator', 'F unlinked and freed; its TLB-flush timestamp recorded (need_tlbflush)', take);
      flushAt('initiator', true, 'alloc_heap_pages reallocates F: filtered flush');
      step('retype-writable', 'initiator', 'the new owner writes F as a writable page', release);
      break;
    case 'deferred-allocation-flush': {
      frame = { type: T_PT, linked: true, cached: true, writableMapped: false };
      step('free', 'initiator', 'F unlinked and freed; its TLB-flush timestamp recorded (need_tlbflush)', take);
      step('mark', 'owner', 'owner allocates F with MEMF_no_tlbflush (no flush) and accumulates its timestamp');
      const exit = program.length;
      const irqOff = spec.mutation === 'initiator-irq-off';
      const steps: Op[] = irqOff ? [{ kind: 'irq-off', actor: 'owner', label: 'local_irq_disable()', next: exit + 1 }] : [];
      steps.push(...flushSteps(flush, exit + steps.length, 'owner', true, 'owner exit path: filtered flush'));
      if (steps.length === (irqOff ? 1 : 0))
        steps.push({ kind: 'mark', actor: 'owner', label: 'owner exit path with the flush (it flushes nothing on this architecture)', next: exit + steps.length + 1 });
      if (irqOff) steps.push({ kind: 'irq-on', actor: 'owner', label: 'local_irq_enable()', next: exit + steps.length + 1 });
      for (const op of steps) program.push([op]);
      if (spec.skipPath) {
        program[exit]!.push({ kind: 'mark', actor: 'owner', label: 'owner leaves by the path that skips the flush', next: exit + steps.length });
        notes.push('The owner has an exit path with no flush (found by the obligation check); both paths are explored.');
      }
      step('retype-writable', 'owner', 'the guest writes F, now its page', release);
      break;
    }
    case 'other':
      frame = { type: T_WRITABLE, linked: false, cached: true, writableMapped: false };
      notes.push('The flush guards nothing the walker reads: F is a data page some CPUs still map; the walker reads page tables nobody changes.');
      step('mark', 'initiator', 'F unmapped (grant unmap, p2m update or similar)', take);
      flushAt('initiator', false, 'flush of the stale mappings');
      step('retype-writable', 'initiator', 'F reused by its next owner', release);
      break;
  }
  if (spec.mutation === 'initiator-irq-off') notes.push('CPU 1 runs a second IPI flush of every other CPU at the same time.');
  return {
    config: { cpus: spec.cpus, walker, walkerSeesFrame, frame, program, secondFlusher: spec.mutation === 'initiator-irq-off' },
    name: scenarioName(spec),
    notes,
  };
}
