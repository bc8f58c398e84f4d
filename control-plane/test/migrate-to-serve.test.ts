/**
 * Growing out of the embedded database, as an operator does it (docs/operations.md): a server on
 * PGlite with a board, a real daemon and an agent holding a secret runs a ticket; the server is
 * stopped, `openase db migrate-to postgres://…` moves the instance, and the server is started again
 * on PostgreSQL with the same data dir. The board and the old run's transcript are all there, the
 * daemon reconnects with its machine credentials, and a new ticket's run works: its agent reads
 * the secret stored (encrypted) before the move. The same at 10,000 tickets and 1 M events:
 * migrate-to-large.test.ts (by hand, `npm run check:migrate-large`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { postgresUrl } from '@openase/test-kit/databases';
import { movingInstance, wholeBoard } from './migrate-to-harness.js';

vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

describe.skipIf(!postgresUrl)('a server moved from the embedded database to PostgreSQL [postgres]', () => {
  const instance = movingInstance('migrate-to-serve');

  it('keeps the board, the runs and the secrets, and runs a secret-using agent after the move', async () => {
    await instance.start();
    const before = await instance.runTicket('MOV-1');
    const boardBefore = await wholeBoard(instance.cp.api, 'moving');

    await instance.stop();
    instance.migrate();
    await instance.restartOnPostgres();
    expect(fs.existsSync(path.join(instance.home, 'data'))).toBe(true); // the source is left as it was

    // The board and the old run, as they were.
    const summary = (b: typeof boardBefore) => JSON.stringify(b.map((t) => [t.identifier, t.title, t.statusId]));
    expect(summary(await wholeBoard(instance.cp.api, 'moving'))).toEqual(summary(boardBefore));
    expect((await instance.ticketSaid('MOV-1')).said).toEqual(before.said);

    // The daemon comes back with its machine credentials; a new run reads the moved secret.
    await instance.runAfterMove('MOV-2');
  });
});
