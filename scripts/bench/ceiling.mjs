// The database's own ceiling on this machine, to put the ingest figure in proportion: multi-row
// INSERTs of event-sized rows (same shape as run_events: run_id, seq, ts, type, jsonb payload)
// into a scratch PostgreSQL database, one transaction per batch, from `connections` connections.
import { now, round, sleep } from './lib.mjs';

export async function databaseCeiling({ database, seconds = 5, connections = 8, batch = 10 }) {
  const sql = database.sql();
  const pool = (await import('./lib.mjs')).postgres(database.url, { max: connections, onnotice: () => {} });
  try {
    await sql`create table ceiling_events (run_id uuid not null, seq int not null, ts timestamptz not null, type text not null, payload jsonb not null, primary key (run_id, seq))`;
    const payload = { type: 'message', role: 'assistant', text: 'x'.repeat(80) };
    const measure = async (rowsPerTx) => {
      let rows = 0;
      const end = now() + seconds * 1000;
      await Promise.all(
        Array.from({ length: connections }, async () => {
          const runId = crypto.randomUUID();
          let seq = 0;
          while (now() < end) {
            const values = Array.from({ length: rowsPerTx }, () => ({
              run_id: runId,
              seq: ++seq,
              ts: new Date(),
              type: 'message',
              payload,
            }));
            await pool.begin(async (tx) => {
              await tx`insert into ceiling_events ${tx(values)} on conflict do nothing`;
              await tx`select 1`; // the ack read and run update stand-in: one more round trip
            });
            rows += rowsPerTx;
          }
        }),
      );
      return round(rows / seconds, 0);
    };
    const small = await measure(batch);
    await sleep(200);
    const large = await measure(batch * 10);
    return { connections, rowsPerSecondBatchOf: { [batch]: small, [batch * 10]: large } };
  } finally {
    await pool.end({ timeout: 2 });
    await sql.end({ timeout: 2 });
  }
}
