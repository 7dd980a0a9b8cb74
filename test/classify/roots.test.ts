import { describe, expect, it } from 'vitest';
import { scan } from '../../src/pipeline/index.js';
import { fixture } from '../helpers/cli.js';

const dir = fixture('trees', 'classify', 'wrapper-chain');
const options = { arches: ['x86' as const], config: {}, workers: 0 };

describe('extra roots (options.roots, from .flushcheck.json)', () => {
  it('a configured root gives its class to the flushes it reaches, and says where it came from', async () => {
    const run = await scan(dir, 'wrapper-chain', { ...options, roots: { 'page-type-change': ['unmap_frames'] } });
    const plain = run.sites.find((s) => s.file === 'arch/x86/flush-mask.c' && s.line === 15)!;
    expect(plain.classes).toEqual(['page-type-change', 'other']);
    const configured = plain.evidence!.find((e) => e.class === 'page-type-change')!;
    expect(configured.steps[0]).toMatchObject({ function: 'unmap_frames', message: expect.stringMatching(/configured as a page-type-change root/) });
    expect(configured.args).toEqual({ mask: 'd->dirty_cpumask', sync: 'false' });
  });

  it('without configuration the same site is other', async () => {
    const run = await scan(dir, 'wrapper-chain', options);
    expect(run.sites.find((s) => s.file === 'arch/x86/flush-mask.c' && s.line === 15)!.classes).toEqual(['other']);
  });
});
