// Starts the slowest test files first, from durations committed in scripts/lib/test-durations.json
// (a fresh CI clone has no vitest cache, and vitest then orders by file size), so the workers
// finish together instead of one waiting on a slow file started last. Files not in the list yet
// count as slow when they start real processes (a test/ folder) and as quick otherwise; the local
// vitest cache, when there is one, decides between files the list does not know.
// `node scripts/test-durations.mjs <vitest json report>` refreshes the list.
import fs from 'node:fs';
import path from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Seconds assumed for a file the list does not know. */
const UNKNOWN_PROCESS_TEST = 60;
const UNKNOWN_UNIT_TEST = 3;

function readDurations(root: string): Record<string, number> {
  try {
    return JSON.parse(fs.readFileSync(path.join(root, 'scripts', 'lib', 'test-durations.json'), 'utf8')) as Record<
      string,
      number
    >;
  } catch {
    return {};
  }
}

export default class DurationSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    const known = readDurations(root);
    const seconds = (spec: TestSpecification): number => {
      const file = path.relative(root, spec.moduleId).split(path.sep).join('/');
      const listed = known[file];
      if (listed !== undefined) return listed;
      const cached = this.ctx.cache.getFileTestResults(`${spec.project.name}:${file}`)?.duration;
      if (cached !== undefined) return cached / 1000;
      return /\/test\//.test(file) ? UNKNOWN_PROCESS_TEST : UNKNOWN_UNIT_TEST;
    };
    const withSeconds = files.map((spec) => ({ spec, s: seconds(spec) }));
    withSeconds.sort((a, b) => b.s - a.s || a.spec.moduleId.localeCompare(b.spec.moduleId));
    return withSeconds.map(({ spec }) => spec);
  }
}
