import { describe, expect, it } from 'vitest';
import { simulateReleaseOrder } from '../../src/sim/release-order.js';

describe('release order (FC009 replay)', () => {
  for (const arch of ['x86', 'arm', 'riscv'] as const) {
    it(`${arch}: a release before the flush fails P2 (the reused frame is still cached), after the flush it is safe`, () => {
      const bad = simulateReleaseOrder(arch, 3, 'before-flush');
      expect(bad.safe).toBe(false);
      expect(bad.property).toBe('P2');
      expect(bad.trace.map((t) => t.actor)).toEqual(['initiator', 'owner']);
      const good = simulateReleaseOrder(arch, 3, 'after-flush');
      expect(good.safe).toBe(true);
      expect(good.bound).toBeUndefined();
    });
  }
});
