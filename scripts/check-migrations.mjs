// drizzle only applies migrations whose journal timestamp is newer than the last applied one
// (drizzle#5769): a migration generated on an older branch would be silently skipped. Fail if
// the journal's `when` values do not strictly increase, or a listed file is missing.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../control-plane/drizzle');
const journal = JSON.parse(fs.readFileSync(path.join(dir, 'meta', '_journal.json'), 'utf8'));
let previous = -Infinity;
const problems = [];
for (const entry of journal.entries) {
  if (!(entry.when > previous))
    problems.push(`${entry.tag}: timestamp ${entry.when} is not after the previous migration's ${previous}`);
  if (!fs.existsSync(path.join(dir, `${entry.tag}.sql`)))
    problems.push(`${entry.tag}: file ${entry.tag}.sql is missing`);
  previous = entry.when;
}
if (problems.length) {
  console.error(`migration journal check failed:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`migration journal ok: ${journal.entries.length} migration(s), timestamps increasing`);
