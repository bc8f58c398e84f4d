// Prints how many database tests ran on each backend, the plain "N passed, N failed" line, and each failure in a
// few lines (file, test, the error's first lines), so the end of a long CI log says what failed.
// DB tests are named with a `[pglite]` or `[postgres]` suite (see test-kit/src/databases.ts).
import path from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

/** The first lines of an error, enough to recognise it at the end of a log. */
export function errorHead(message: string | undefined, lines = 4): string {
  return (message ?? 'no message')
    .split('\n')
    .filter((l) => l.trim())
    .slice(0, lines)
    .map((l) => `      ${l.trim()}`)
    .join('\n');
}

export default class DbTierReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const counts = { pglite: 0, postgres: 0 };
    let passed = 0;
    let skipped = 0;
    const failures: string[] = [];
    for (const mod of modules) {
      const file = path.relative(process.cwd(), mod.moduleId);
      for (const error of mod.errors()) failures.push(`  ${file} (the file itself)\n${errorHead(error.message)}`);
      for (const test of mod.children.allTests()) {
        const result = test.result();
        if (result.state === 'passed') passed++;
        else if (result.state === 'failed')
          failures.push(`  ${file} > ${test.fullName}\n${errorHead(result.errors?.[0]?.message)}`);
        else skipped++;
        if (result.state !== 'passed') continue;
        if (test.fullName.includes('[pglite]')) counts.pglite++;
        if (test.fullName.includes('[postgres]')) counts.postgres++;
      }
    }
    const pg = process.env.TEST_DATABASE_URL ? `${counts.postgres}` : `${counts.postgres} (TEST_DATABASE_URL not set)`;
    console.log(`\nDB tests passed per backend: pglite ${counts.pglite}, postgres ${pg}`);
    const failed = failures.length;
    console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
    if (failed) console.log(`failed:\n${failures.join('\n')}`);
  }
}
