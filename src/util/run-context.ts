import type { BaseTreeReader, RunScope, Slot } from '../types.js';

/**
 * What one run (a review or a scan) keeps while it runs, and nothing after:
 * the pipeline makes one per run and hands it to every stage in
 * `PatchAnalysis.run`. A module declares a slot (a key and how to make its
 * first value, never state) and asks the run for it, so a cache filled by one
 * run cannot change what the next one reports.
 */

export const defineSlot = <T>(name: string, make: () => T): Slot<T> => ({ name, make });

export class RunContext implements RunScope {
  private readonly values = new Map<Slot<unknown>, unknown>();
  private readonly trees = new Map<BaseTreeReader, BaseTreeReader>();

  /** This run's value of `slot`, made on first use. */
  get<T>(slot: Slot<T>): T {
    if (!this.values.has(slot)) this.values.set(slot, slot.make());
    return this.values.get(slot) as T;
  }

  /**
   * This run's view of a base tree. Stages key their tree caches (parsed
   * headers, listings) on the reader they are given, so those caches die with
   * the run: the same tree given to two runs is two views.
   */
  tree(base: BaseTreeReader): BaseTreeReader;
  tree(base: BaseTreeReader | undefined): BaseTreeReader | undefined;
  tree(base: BaseTreeReader | undefined): BaseTreeReader | undefined {
    if (!base) return undefined;
    let view = this.trees.get(base);
    if (!view) {
      view = { label: base.label, read: (path) => base.read(path), ...(base.directory !== undefined ? { directory: base.directory } : {}) };
      this.trees.set(base, view);
    }
    return view;
  }
}
