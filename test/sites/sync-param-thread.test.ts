import { SAMPLE_SHAPE } from '../helpers/thread-shape.js';
import { describeSites } from '../helpers/thread-sites.js';

// Issue 2's Done-when on our own thread in the seed's shape; the seed itself is
// pinned by the same assertions in test/system/seed-sites.test.ts (when ../shared is there).
describeSites('the sync-parameter thread', {
  shape: SAMPLE_SHAPE,
  patch: { subject: '[PATCH v3] x86/flush: keep the IPI where a page-table walker relies on it', author: 'Mira Halvorsen', date: '3 days ago', version: 3 },
  x86: { asidCore: 117, forceIpi: [124, 126], plain: 142, forcing: 145, oneMask: 147 },
  arm: { plain: 27, forcing: 29 },
  definition: 635,
});
