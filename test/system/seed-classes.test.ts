import { describeIfShared, SEED } from '../helpers/shared.js';
import { describeClasses } from '../helpers/thread-shape.js';
import { SEED_SHAPE } from './seed-shape.js';

// The same assertions as our own thread's (test/classify/sync-param-thread.test.ts), on the seed.
describeIfShared(SEED, 'seed thread', () => describeClasses('classes from the hunks alone', SEED_SHAPE));
