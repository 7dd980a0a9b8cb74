import { describe, expect, it } from 'vitest';
import { allocatedNatively } from '../../src/util/native-memory.js';

describe('native memory V8 cannot see', () => {
  it('asks for a full collection once the parser reports more than the budget', async () => {
    let dead = { payload: new Array(16).fill(0) } as object | undefined;
    const ref = new WeakRef(dead!);
    dead = undefined;
    // A WeakRef's target lives to the end of the job that made it.
    await new Promise((resolve) => setImmediate(resolve));
    allocatedNatively(1024 ** 3);
    expect(ref.deref()).toBeUndefined();
  });
});
