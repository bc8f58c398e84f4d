// `npm test`: install what is missing, build, check migrations, types and lint, run every test.
// Set TEST_DATABASE_URL to also run every database test on real PostgreSQL.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ensureBuilt, ensureInstalled, pnpm, root } from './lib/bootstrap.mjs';

ensureInstalled();
ensureBuilt();
const check = spawnSync(process.execPath, [path.join(root, 'scripts', 'check-migrations.mjs')], { stdio: 'inherit' });
if (check.status !== 0) process.exit(check.status ?? 1);
pnpm(['-r', '--parallel', 'run', 'typecheck']);
pnpm(['run', 'lint']);
pnpm(['exec', 'vitest', 'run', ...process.argv.slice(2)]);
