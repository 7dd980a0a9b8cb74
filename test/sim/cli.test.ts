import { describe, expect, it } from 'vitest';
import { runCli, SAMPLE } from '../helpers/cli.js';

describe('flushcheck simulate', () => {
  it('with no options shows the canonical hazard: a page-type change flushed by an assisted flush', async () => {
    const r = await runCli(['simulate']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^scenario: page-type-change \(old type a page table\) \(3 CPUs\)/);
    expect(r.stdout).toMatch(/UNSAFE: P1 violated/);
    expect(r.stdout).toMatch(/assisted\s+flush/);
    expect(r.stdout).toMatch(/stale read/);
  });

  it('prints a Mermaid sequenceDiagram', async () => {
    const r = await runCli(['simulate', '--format', 'mermaid']);
    expect(r.stdout.split('\n')[0]).toBe('sequenceDiagram');
    expect(r.stdout).toMatch(/participant CPU0 as CPU0 \(initiator\)/);
    expect(r.stdout).toMatch(/Note over CPU0,CPU2: P1 violated/);
  });

  it('prints JSON that is the SimResult', async () => {
    const r = await runCli(['simulate', '--mechanism', 'forced-ipi', '--format', 'json', '--cpus', '4']);
    expect(r.code).toBe(0);
    const sim = JSON.parse(r.stdout);
    expect(sim).toMatchObject({ safe: true, cpus: 4, trace: [] });
  });

  it('runs mutations and other architectures', async () => {
    const deadlock = await runCli(['simulate', '--mechanism', 'ipi', '--mutation', 'initiator-irq-off']);
    expect(deadlock.stdout).toMatch(/P4 violated/);
    expect(deadlock.stdout).toMatch(/deadlock/);
    const arm = await runCli(['simulate', '--arch', 'arm', '--mechanism', 'broadcast']);
    expect(arm.code).toBe(0);
    expect(arm.stdout).toMatch(/p2m lock/);
  });

  it('is deterministic', async () => {
    const a = await runCli(['simulate', '--scenario', 'allocation', '--cpus', '5', '--format', 'json']);
    const b = await runCli(['simulate', '--scenario', 'allocation', '--cpus', '5', '--format', 'json']);
    expect(a.stdout).toBe(b.stdout);
  });

  it('rejects bad options in one line with exit 2', async () => {
    for (const args of [
      ['--cpus', '1'],
      ['--cpus', 'x'],
      ['--scenario', 'nope'],
      ['--max-states', '-3'],
    ]) {
      const r = await runCli(['simulate', ...args]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});

describe('flushcheck explain', () => {
  it('replays a site of the sync-parameter thread', async () => {
    const r = await runCli(['explain', 'xen/common/memory.c:293', SAMPLE]);
    expect([0, 1]).toContain(r.code);
    expect(r.stdout).toMatch(/xen\/common\/memory\.c:293 \(new\)/);
    // With the model and classify stages present, the new side is the thread's error.
    if (/arch x86/.test(r.stdout)) expect(r.stdout).toMatch(/arch x86: assisted-possible → missing-forced-ipi/);
  });

  it('rejects a location with no flush call, and a malformed one', async () => {
    const none = await runCli(['explain', 'xen/common/memory.c:1', SAMPLE]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no flush call at that line/);
    const bad = await runCli(['explain', 'memory.c', SAMPLE]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/expected FILE:LINE/);
  });
});
