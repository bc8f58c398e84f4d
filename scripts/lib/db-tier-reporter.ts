// Prints how many database tests ran on each backend and the plain "N passed, N failed" line. (vitest's own
// summary lists the failures; scripts/test.mjs repeats them at the very end of `npm test`.)
// DB tests are named with a `[pglite]` or `[postgres]` suite (see test-kit/src/databases.ts).
import type { Reporter, TestModule } from 'vitest/node';

export default class DbTierReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const counts = { pglite: 0, postgres: 0 };
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const mod of modules) {
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
        if (state !== 'passed') continue;
        if (test.fullName.includes('[pglite]')) counts.pglite++;
        if (test.fullName.includes('[postgres]')) counts.postgres++;
      }
    }
    const pg = process.env.TEST_DATABASE_URL ? `${counts.postgres}` : `${counts.postgres} (TEST_DATABASE_URL not set)`;
    console.log(`\nDB tests passed per backend: pglite ${counts.pglite}, postgres ${pg}`);
    console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  }
}
