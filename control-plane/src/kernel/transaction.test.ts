import { eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { forEachDatabase } from '@openase/test-kit/databases';
import { organizations } from '../db/schema.js';
import type { Tx } from '../db/database.js';
import { commitWith, inTransaction } from './transaction.js';

/** drizzle wraps a driver's error as "Failed query: …" with the error as its cause. */
const causeOf = (err: unknown) => String((err as Error).cause ?? err);

forEachDatabase('transactions whose last statements go with the COMMIT', (get) => {
  const rename = (orgId: string, name: string) => (tx: Tx) =>
    tx.update(organizations).set({ name }).where(eq(organizations.id, orgId));
  const nameOf = async (orgId: string) =>
    (await get().deps.db.select().from(organizations).where(eq(organizations.id, orgId)))[0]!.name;

  it('commits them, and publishes what they recorded only after the commit', async () => {
    const { deps, admin } = get();
    const published: string[] = [];
    const off = deps.bus.onActivity((entry) => published.push(entry.summary));
    await inTransaction(deps, async (tx, changes) => {
      commitWith(
        changes,
        rename(
          admin.orgId,
          'Renamed last',
        )(tx).then(() => {
          changes.activity.push({ summary: 'renamed' } as never);
        }),
      );
    });
    off();
    expect(await nameOf(admin.orgId)).toBe('Renamed last');
    expect(published).toEqual(['renamed']);
  });

  it('takes in a last statement issued some microtasks after the work returned, ahead of the COMMIT', async () => {
    const { deps, admin } = get();
    await inTransaction(deps, async (tx, changes) => {
      let later = Promise.resolve();
      for (let i = 0; i < 8; i++) later = later.then(() => undefined); // as an async helper's awaits would
      commitWith(
        changes,
        Promise.all([rename(admin.orgId, 'First')(tx), later.then(() => rename(admin.orgId, 'Second')(tx))]),
      );
    });
    expect(await nameOf(admin.orgId)).toBe('Second');
  });

  it('rolls everything back when one of them fails, with its error', async () => {
    const { deps, admin } = get();
    const before = await nameOf(admin.orgId);
    const published: unknown[] = [];
    const off = deps.bus.onActivity((entry) => published.push(entry));
    const failing = inTransaction(deps, async (tx, changes) => {
      await rename(admin.orgId, 'Renamed first')(tx);
      // A NOT NULL column set to null: refused by the database, after the work has returned.
      commitWith(
        changes,
        tx
          .update(organizations)
          .set({ name: null as never })
          .where(eq(organizations.id, admin.orgId)),
      );
      changes.activity.push({ summary: 'must not be published' } as never);
    });
    expect(causeOf(await failing.catch((e: unknown) => e))).toMatch(/null value in column "name"/);
    off();
    expect(await nameOf(admin.orgId)).toBe(before);
    expect(published).toEqual([]);
  });

  it('refuses a statement issued after the work returned: it would run outside the transaction', async () => {
    const { deps, admin } = get();
    const before = await nameOf(admin.orgId);
    let late: Promise<unknown> = Promise.resolve();
    await inTransaction(deps, async (tx) => {
      late = Promise.resolve()
        .then(() => new Promise((r) => setTimeout(r, 20)))
        .then(() => rename(admin.orgId, 'Too late')(tx));
    });
    expect(causeOf(await late.catch((e: unknown) => e))).toMatch(
      /after its transaction's work returned|Transaction is closed/,
    );
    expect(await nameOf(admin.orgId)).toBe(before);
  });
});
