import { defineConfig } from 'vitest/config';

/**
 * The system tier (`npm run test:system`): spin cross-check, the real Xen 4.17
 * source and Debian's patches for it (scripts/test-deps.sh installs them; root on
 * Debian), and the files kept in ../shared (seed thread, official SARIF schema).
 */
export default defineConfig({
  test: {
    include: ['test/system/**/*.test.ts'],
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 600_000,
  },
});
