// CPU time drizzle-orm takes to build one query (no database): a select shaped like the dispatcher's reads.
// Every statement the control plane sends is built this way, so this is paid per statement on the main thread.
// `node scripts/bench/query-build.mjs` prints microseconds per build (docs/performance.md has the figures with and
// without patches/drizzle-orm@0.45.4.patch).
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const controlPlane = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'control-plane');
const require = createRequire(path.join(controlPlane, 'package.json'));
const { and, desc, eq, inArray, isNull } = require('drizzle-orm');
const { integer, pgTable, text, timestamp, uuid } = require('drizzle-orm/pg-core');
const { drizzle } = require('drizzle-orm/postgres-js');

const runs = pgTable('runs', {
  id: uuid('id').primaryKey(),
  orgId: uuid('org_id'),
  ticketId: uuid('ticket_id'),
  state: text('state'),
  kind: text('kind'),
  attempt: integer('attempt'),
  createdAt: timestamp('created_at'),
});
const db = drizzle.mock();
const build = () =>
  db
    .select()
    .from(runs)
    .where(and(eq(runs.orgId, 'o'), inArray(runs.state, ['queued', 'offered', 'running']), isNull(runs.kind)))
    .orderBy(desc(runs.createdAt))
    .limit(1)
    .toSQL();
const n = 50_000;
for (let i = 0; i < n / 2; i++) build(); // warm up the JIT
const started = performance.now();
for (let i = 0; i < n; i++) build();
console.log(`query build: ${(((performance.now() - started) * 1000) / n).toFixed(1)} µs per select (n=${n})`);
