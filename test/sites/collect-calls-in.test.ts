import { describe, expect, it } from 'vitest';
import { collect } from '../../src/sites/collect.js';
import { treeImage } from '../../src/classify/tree-index.js';

describe('collect, asked for one function only (callsIn)', () => {
  const text = [
    '#define flush_all(m) flush_mask(m, FLUSH_TLB)',
    'static void a(void) { flush_tlb_mask(x); if ( y ) b(z); }',
    '#ifdef CONFIG_PV',
    'void b(int v) { if ( v ) flush_all(mask); else a(); MEMF_no_tlbflush; }',
    '#endif',
  ].join('\n');
  const image = treeImage('xen/arch/x86/t.c', text);
  const whole = collect(image);
  const one = collect(image, { callsIn: 'b' });

  it('keeps every definition, with its conditions', () => {
    expect(one.definitions.map((d) => [d.name, d.conditions])).toEqual(whole.definitions.map((d) => [d.name, d.conditions]));
  });

  it('keeps exactly the calls made inside that function, with the same facts', () => {
    const facts = (c: typeof whole) => c.calls.map((call) => ({ name: call.name, args: call.args, enclosing: call.enclosing, guards: call.guards, at: call.node.startIndex }));
    expect(facts(one)).toEqual(facts(whole).filter((c) => c.enclosing === 'b'));
    expect(facts(one).map((c) => c.name)).toEqual(['flush_all', 'a']);
  });

  it('collects no uses of the bookkeeping identifiers', () => {
    expect(whole.uses.length).toBeGreaterThan(0);
    expect(one.uses).toEqual([]);
  });
});
