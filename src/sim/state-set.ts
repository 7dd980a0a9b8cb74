/**
 * The set of visited states: each state is `words` 32-bit words stored densely in
 * discovery order (so the id order is the breadth-first order), with an open-addressing
 * hash table of ids, and for each id its parent id and the action that reached it.
 */
export class StateSet {
  count = 0;
  data: Uint32Array;
  parent: Int32Array;
  action: Int32Array;
  private table: Int32Array;
  private mask: number;

  constructor(
    readonly words: number,
    capacity = 1 << 12,
  ) {
    this.data = new Uint32Array(capacity * words);
    this.parent = new Int32Array(capacity);
    this.action = new Int32Array(capacity);
    this.table = new Int32Array(capacity * 2);
    this.mask = capacity * 2 - 1;
  }

  private hash(src: Uint32Array, off: number): number {
    let h = 0x9e3779b9 | 0;
    for (let i = 0; i < this.words; i++) {
      h = Math.imul(h ^ src[off + i]!, 0x85ebca6b);
      h ^= h >>> 13;
    }
    h = Math.imul(h, 0xc2b2ae35);
    return (h ^ (h >>> 16)) & this.mask;
  }

  /** Adds the state at `src[off..]`; returns its new id, or -1 when it was already there. */
  add(src: Uint32Array, off: number, parent: number, action: number): number {
    const w = this.words;
    const data = this.data;
    let slot = this.hash(src, off);
    for (;;) {
      const id = this.table[slot]! - 1;
      if (id < 0) break;
      let same = true;
      const base = id * w;
      for (let i = 0; i < w; i++) {
        if (data[base + i] !== src[off + i]) {
          same = false;
          break;
        }
      }
      if (same) return -1;
      slot = (slot + 1) & this.mask;
    }
    const id = this.count;
    if ((id + 1) * w > data.length) {
      this.grow();
      return this.add(src, off, parent, action);
    }
    this.data.set(src.subarray(off, off + w), id * w);
    this.parent[id] = parent;
    this.action[id] = action;
    this.table[slot] = id + 1;
    this.count++;
    return id;
  }

  private grow(): void {
    const capacity = this.parent.length * 2;
    const data = new Uint32Array(capacity * this.words);
    data.set(this.data);
    this.data = data;
    const parent = new Int32Array(capacity);
    parent.set(this.parent);
    this.parent = parent;
    const action = new Int32Array(capacity);
    action.set(this.action);
    this.action = action;
    this.table = new Int32Array(capacity * 2);
    this.mask = capacity * 2 - 1;
    for (let id = 0; id < this.count; id++) {
      let slot = this.hash(this.data, id * this.words);
      while (this.table[slot] !== 0) slot = (slot + 1) & this.mask;
      this.table[slot] = id + 1;
    }
  }
}
