import { defineConfig } from 'vitest/config';

/**
 * The hermetic tier (`npm test`): needs nothing but the checkout and its npm
 * packages. No spin, no Xen tree, no apt, no root, no folder beside the repo.
 * Everything that does need one of those lives in test/system/ (vitest.system.config.ts).
 */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/system/**', '**/node_modules/**'],
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    // Two cores on CI: native tree-sitter parsing is CPU-bound.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 600_000,
  },
});
