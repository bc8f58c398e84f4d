import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import DurationSequencer from './scripts/lib/duration-sequencer';

export default defineConfig({
  // The daemon bundles the agent's `openase` CLI under this name (agent-daemon/build-options.mjs).
  resolve: {
    alias: {
      '@openase/agent-cli': fileURLToPath(new URL('./control-plane/src/cli/agent.ts', import.meta.url)),
    },
  },
  test: {
    include: ['{shared,control-plane,agent-daemon,web}/{src,test}/**/*.test.ts'],
    // Migrated PGlite and PostgreSQL templates that suites and test servers start from.
    globalSetup: ['./test-kit/src/database-templates.setup.ts'],
    testTimeout: 60_000,
    // expect.poll waits for a page or a server to catch up; vitest's 1 s default failed under load
    // (a console page reloading on a busy CI machine).
    expect: { poll: { timeout: 10_000 } },
    hookTimeout: 60_000,
    // Each file gets its own databases, processes and ports. vitest's default is one worker per core but one: on
    // the 2-core CI machine every file runs in turn. Two at once was measured slower there (2026-12-06: the heavy
    // files are CPU-bound — servers, PGlite, daemons, Chromium — and a 500-ticket dispatch test starved), so the
    // default stays; VITEST_MAX_WORKERS sets more on a bigger machine.
    pool: 'forks',
    maxWorkers: Number(process.env.VITEST_MAX_WORKERS) || Math.max(1, os.availableParallelism() - 1),
    // Slowest files first (scripts/lib/test-durations.json), so the workers finish together.
    sequence: { sequencer: DurationSequencer },
    // The JSON report is what `node scripts/test-durations.mjs` refreshes the durations from.
    reporters: [
      'default',
      './scripts/lib/db-tier-reporter.ts',
      ['json', { outputFile: process.env.OPENASE_VITEST_REPORT || 'test-artifacts/vitest-report.json' }],
    ],
  },
});
