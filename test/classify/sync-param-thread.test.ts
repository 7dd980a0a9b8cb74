import { describeClasses, SAMPLE_SHAPE } from '../helpers/thread-shape.js';

// The seed thread is pinned by the same assertions in test/system/seed-classes.test.ts (when ../shared is there).
describeClasses('sync-parameter thread: classes from the hunks alone', SAMPLE_SHAPE);
