import { SEED } from '../helpers/shared.js';
import type { ThreadShape } from '../helpers/thread-shape.js';

/** Where the seed thread (read from ../shared, never copied) puts the shapes test/helpers/thread-shape.ts pins. */
export const SEED_SHAPE: ThreadShape = {
  path: SEED,
  forcingHelper: 'flush_tlb_mask_sync',
  memory: { setter: 278, test: 280, out: 279, flush: 281 },
  pageAlloc: { test: 1062, flush: 1063 },
  pageType: { removed: 2897, forced: 2905, plain: 2907 },
  helper: { removed: 651, forced: 653, plain: 655 },
};
