import { defineSlot } from './run-context.js';

/** Longer strings are left alone: text that long is rarely repeated, and hashing it costs its length. */
const MAX_SHARED_LENGTH = 4096;
/** Lists of text longer than this are copied, not shared: a long list is rarely repeated. */
const MAX_SHARED_LIST = 16;

const isPlain = (value: object): boolean => Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null;
const allText = (list: readonly unknown[]): list is string[] => list.every((v) => typeof v === 'string');

/**
 * Points equal strings, and equal lists of strings, of the records a run
 * keeps to its end (sites, page releases) at one copy. Every flush of one
 * shape carries the same notes, expansion steps and simulation notes, each
 * built anew for its site: 4 MB of flush hunks made 40k sites holding 60 MB
 * of text of which 11 MB differs, in a million small lists. What is kept
 * grows with the distinct text, not with the sites.
 *
 * Strings are immutable, so no reader can tell. A shared list is frozen: a
 * stage that wrote to one would write to every site holding it, so it fails
 * loudly instead (stages copy what they change, see util/with-fields.ts).
 */
export class SharedText {
  private readonly strings = new Map<string, string>();
  private readonly lists = new Map<string, readonly string[]>();

  /**
   * `value` with each string in its plain objects and arrays replaced, in
   * place, by the run's copy; each list of strings by the run's frozen copy,
   * and each other array by a copy of its length. The records are a report's
   * data, so they hold no cycle (JSON could not write one); a part reached
   * twice is walked twice.
   *
   * V8 gives an array built by push room for 17 elements: 40k sites held a
   * million such arrays, 60 MB of elements for 8 MB of values. A copy has
   * room for what it holds.
   */
  share<T>(value: T): T {
    const stack: object[] = [];
    if (value !== null && typeof value === 'object') stack.push(value);
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (!isPlain(node)) continue;
      const record = node as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        const v = record[key];
        // Equal strings compare equal whatever their copy: always write the run's.
        if (typeof v === 'string') record[key] = this.copyOf(v);
        else if (Array.isArray(v)) {
          // A frozen list is the run's already.
          if (Object.isFrozen(v)) continue;
          if (v.length <= MAX_SHARED_LIST && allText(v)) record[key] = this.listOf(v);
          else {
            const copy = v.slice();
            record[key] = copy;
            stack.push(copy);
          }
        } else if (v !== null && typeof v === 'object') stack.push(v);
      }
    }
    return value;
  }

  private copyOf(text: string): string {
    if (text.length > MAX_SHARED_LENGTH) return text;
    const known = this.strings.get(text);
    if (known !== undefined) return known;
    // A string built by concatenation is a tree of its parts (a site's id of
    // slices of the input: 400 bytes for 40 characters). Reading a character
    // makes V8 flatten it to one copy of its text, which is what is kept.
    text.charCodeAt(0);
    this.strings.set(text, text);
    return text;
  }

  private listOf(list: readonly string[]): readonly string[] {
    // JSON of a list of strings names it exactly: no separator can be forged.
    const key = JSON.stringify(list);
    if (key.length > MAX_SHARED_LENGTH) return list.map((s) => this.copyOf(s));
    const known = this.lists.get(key);
    if (known !== undefined) return known;
    const copy = Object.freeze(list.map((s) => this.copyOf(s)));
    this.lists.set(key, copy);
    return copy;
  }
}

/**
 * The run's shared copies. Sites are shared after every stage (stageSteps),
 * and the model stage shares each site as it makes it (without that, 4 MB of
 * flush hunks peaked ~50 MB higher): a stage's output is live until the next
 * stage is done with it.
 */
export const SHARED_TEXT = defineSlot('shared-text', () => new SharedText());
