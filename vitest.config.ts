import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The daemon bundles the agent's `openase` CLI under this name (agent-daemon/build-options.mjs).
  resolve: {
    alias: {
      '@openase/agent-cli': fileURLToPath(new URL('./control-plane/src/cli/agent.ts', import.meta.url)),
    },
  },
  test: {
    include: ['{shared,control-plane,agent-daemon,web}/{src,test}/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Each file gets its own databases; files run in parallel on both cores.
    pool: 'forks',
    reporters: ['default', './scripts/lib/db-tier-reporter.ts'],
  },
});
