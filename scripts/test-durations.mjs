// Refreshes scripts/lib/test-durations.json (what the test sequencer orders files by, slowest
// first) from vitest JSON reports: a plain `vitest run` writes test-artifacts/vitest-report.json,
// `npm test`'s two lanes vitest-report-side.json and vitest-report-system.json (vitest.config.ts,
// scripts/test.mjs), so after a full `npm test` on a quiet machine:
//   node scripts/test-durations.mjs [REPORT.json…]   (default: every test-artifacts/vitest-report*.json)
// Files in the report get their new duration, the others keep theirs, files gone from the tree
// drop out. Only the order matters, so durations are whole seconds.
import fs from 'node:fs';
import path from 'node:path';
import { root } from './lib/bootstrap.mjs';

const artifacts = path.join(root, 'test-artifacts');
const reports = process.argv.slice(2).length
  ? process.argv.slice(2)
  : fs
      .readdirSync(artifacts)
      .filter((f) => /^vitest-report.*\.json$/.test(f))
      .map((f) => path.join(artifacts, f));
const out = path.join(root, 'scripts', 'lib', 'test-durations.json');
const testResults = reports.flatMap((report) => JSON.parse(fs.readFileSync(report, 'utf8')).testResults);
const durations = fs.existsSync(out) ? JSON.parse(fs.readFileSync(out, 'utf8')) : {};
for (const r of testResults) {
  const file = path.relative(root, r.name).split(path.sep).join('/');
  durations[file] = Math.max(1, Math.round((r.endTime - r.startTime) / 1000));
}
const kept = Object.entries(durations)
  .filter(([file]) => fs.existsSync(path.join(root, file)))
  .sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
fs.writeFileSync(out, `${JSON.stringify(Object.fromEntries(kept), null, 2)}\n`);
const total = kept.reduce((sum, [, s]) => sum + s, 0);
process.stdout.write(
  `${testResults.length} files from the report; ${kept.length} files, ${total} s in all, in ${path.relative(root, out)}\n`,
);
