import { describe, expect, it } from 'vitest';
import { simulateIrqOff } from '../../src/sim/irq-off.js';

describe('a flush replayed with the initiator’s interrupts off', () => {
  it('x86: an IPI flush deadlocks (P4); an assisted-possible one on bare metal', () => {
    for (const mechanism of ['ipi', 'forced-ipi'] as const) {
      const r = simulateIrqOff('x86', { mechanism, source: 'test' }, 3, true);
      expect(r.safe).toBe(false);
      expect(r.property).toBe('P4');
    }
    const possible = simulateIrqOff('x86', { mechanism: 'assisted-possible', source: 'test' }, 3, true);
    expect(possible.property).toBe('P4');
    expect(possible.failsWhen).toMatch(/bare metal/);
  });

  it('Arm: the broadcast TLBI completes without the targets, no deadlock', () => {
    expect(simulateIrqOff('arm', { mechanism: 'broadcast', source: 'test' }, 3, true).safe).toBe(true);
  });
});
