import { defineSlot } from './run-context.js';

/** Longer strings are left alone: text that long is rarely repeated, and hashing it costs its length. */
const MAX_SHARED_LENGTH = 4096;

const isPlain = (value: object): boolean => Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null;

/**
 * Points equal strings of the records a run keeps to its end (sites, page
 * releases) at one copy. Every flush of one shape carries the same notes,
 * expansion steps and simulation notes, each built anew for its site: 4 MB of
 * flush hunks made 40k sites holding 60 MB of text of which 11 MB differs.
 * Strings are immutable, so no reader can tell; what is kept grows with the
 * distinct text, not with the sites.
 */
export class SharedText {
  private readonly strings = new Map<string, string>();

  /**
   * `value` with each string in its plain objects and arrays replaced, in
   * place, by the run's copy. The records are a report's data, so they hold
   * no cycle (JSON could not write one); a part reached twice is walked twice.
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
        else if (v !== null && typeof v === 'object') stack.push(v);
      }
    }
    return value;
  }

  private copyOf(text: string): string {
    if (text.length > MAX_SHARED_LENGTH) return text;
    const known = this.strings.get(text);
    if (known !== undefined) return known;
    this.strings.set(text, text);
    return text;
  }
}

/**
 * The run's shared copies. Sites are shared after every stage (stageSteps),
 * and the model stage shares each site as it makes it (without that, 4 MB of
 * flush hunks peaked ~50 MB higher): a stage's output is live until the next
 * stage is done with it.
 */
export const SHARED_TEXT = defineSlot('shared-text', () => new SharedText());
