import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{shared,control-plane,agent-daemon,web}/{src,test}/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Each file gets its own databases; files run in parallel on both cores.
    pool: 'forks',
    reporters: ['default', './scripts/lib/db-tier-reporter.ts'],
  },
});
