import { describeIfShared, SEED } from '../helpers/shared.js';
import { describeSites } from '../helpers/thread-sites.js';
import { SEED_SHAPE } from './seed-shape.js';

// Issue 2's Done-when on the patch and review thread the project started from (read from
// ../shared/seed, never copied): the same assertions as our own thread's (test/sites/sync-param-thread.test.ts).
describeIfShared(SEED, 'seed thread', () =>
  describeSites('sites', {
    shape: SEED_SHAPE,
    patch: { subject: '[PATCH for-4.14 v2] x86/tlb: fix assisted flush usage', author: 'Roger Pau Monne', date: '2 weeks ago', version: 2 },
    x86: { asidCore: 127, forceIpi: [135, 137], plain: 159, forcing: 167, oneMask: 169 },
    arm: { plain: 29, forcing: 30 },
    definition: 642,
  }),
);
