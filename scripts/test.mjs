// `npm test`: install what is missing, build, check migrations, types and lint, run every test.
// Set TEST_DATABASE_URL to also run every database test on real PostgreSQL.
// Prints what each tier took at the end (also when one fails: the process exits from inside a tier).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ensureBuilt, ensureInstalled, pnpm, root } from './lib/bootstrap.mjs';

const tiers = [];
let current = null;
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
process.on('exit', (code) => {
  if (current) tiers.push({ name: `${current.name} (failed)`, ms: performance.now() - current.started });
  const total = tiers.reduce((sum, t) => sum + t.ms, 0);
  const width = Math.max(...tiers.map((t) => t.name.length));
  process.stderr.write(`\n[test] time per tier (exit ${code}):\n`);
  for (const t of tiers) process.stderr.write(`[test]   ${t.name.padEnd(width)}  ${seconds(t.ms).padStart(8)}\n`);
  process.stderr.write(`[test]   ${'total'.padEnd(width)}  ${seconds(total).padStart(8)}\n`);
});
function tier(name, fn) {
  current = { name, started: performance.now() };
  fn();
  tiers.push({ name, ms: performance.now() - current.started });
  current = null;
}

tier('install', () => ensureInstalled());
tier('build (bundles, console)', () => ensureBuilt());
tier('migrations check', () => {
  const check = spawnSync(process.execPath, [path.join(root, 'scripts', 'check-migrations.mjs')], { stdio: 'inherit' });
  if (check.status !== 0) process.exit(check.status ?? 1);
});
tier('typecheck', () => pnpm(['-r', '--parallel', 'run', 'typecheck']));
tier('lint', () => pnpm(['run', 'lint']));
tier('tests (vitest)', () => pnpm(['exec', 'vitest', 'run', ...process.argv.slice(2)]));
