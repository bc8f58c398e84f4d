// House rule: a source file stays at or under 400 lines after formatting (docs/architecture.md). Lists the
// tracked source files over the limit and exits 1 if there are any. Run by `npm run lint` and `npm test`.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const MAX_LINES = 400;
const SOURCE = /\.(ts|mts|cts|js|mjs|cjs|vue|css)$/;
// Generated SQL migrations and data are not source; neither is what a tool writes.
const EXEMPT = [/^control-plane\/drizzle\//, /\.d\.ts$/];

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: root })
  .toString()
  .split('\n')
  .filter((f) => SOURCE.test(f) && !EXEMPT.some((e) => e.test(f)) && fs.existsSync(path.join(root, f)));
const over = files
  .map((f) => ({ f, lines: fs.readFileSync(path.join(root, f), 'utf8').split('\n').length - 1 }))
  .filter((x) => x.lines > MAX_LINES)
  .sort((a, b) => b.lines - a.lines);
if (over.length) {
  console.error(`${over.length} source file(s) over ${MAX_LINES} lines; split them by concept:`);
  for (const { f, lines } of over) console.error(`  ${f}: ${lines} lines`);
  process.exit(1);
}
console.log(`${files.length} source files, none over ${MAX_LINES} lines`);
