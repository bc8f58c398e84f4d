import { asc, eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { forEachDatabase } from '@openase/test-kit/databases';
import { machineHistory } from '../db/schema.js';
import { captureLogger } from '../kernel/logger.js';
import { createJoinToken, redeemJoinToken } from './join.js';
import { MachineHistoryWriter, machineHistoryView } from './machine-history.js';

forEachDatabase('machine history', (get) => {
  it('keeps one row per machine and minute with its maxima: written when the minute begins, when its runs in flight rise, and after', async () => {
    const { deps, admin } = get();
    const join = await createJoinToken(deps, admin, {});
    const m = (await redeemJoinToken(deps, join.token, { name: 'hist-a', slots: 3 })).machine;
    const { log, lines } = captureLogger();
    let inserts = 0;
    const db = new Proxy(deps.db, {
      get(target, prop) {
        if (prop === 'insert') inserts++;
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const writer = new MachineHistoryWriter({ db }, log);
    const base = Date.now() - 10 * 60_000;
    const at = (min: number, s: number) => new Date(Math.floor(base / 60_000) * 60_000 + min * 60_000 + s * 1000);
    for (const [s, used, load] of [
      [1, 0, 0.5],
      [15, 2, 1.5],
      [30, 1, 0.2],
      [45, 1, undefined],
    ] as const) {
      writer.note(m.id, at(0, s), used, load);
      await writer.flushed();
    }
    // The rise from 0 to 2 runs in flight was written at once (with the load so far); a load rise alone waits.
    expect(inserts).toBe(2);
    const [now] = await deps.db.select().from(machineHistory).where(eq(machineHistory.machineId, m.id));
    expect([now?.slotsUsed, now?.load]).toEqual([2, expect.closeTo(1.5, 5)]);
    writer.note(m.id, at(1, 2), 0, 0.1);
    await writer.flushed();
    // Minute 2 is missing (offline); minute 3 comes back.
    writer.note(m.id, at(3, 0), 1, 0.3);
    await writer.flushed();
    expect(inserts).toBe(4);
    const rows = await deps.db
      .select()
      .from(machineHistory)
      .where(eq(machineHistory.machineId, m.id))
      .orderBy(asc(machineHistory.minute));
    expect(rows.map((r) => [r.minute.getTime() - at(0, 0).getTime(), r.slotsUsed, r.load])).toEqual([
      [0, 2, 1.5],
      [60_000, 0, expect.closeTo(0.1, 5)],
      [180_000, 1, expect.closeTo(0.3, 5)],
    ]);
    const view = await machineHistoryView(deps.db, admin.orgId, at(4, 0), { hours: 1 });
    expect(view.machines.find((x) => x.name === 'hist-a')).toMatchObject({ slots: 3, points: [{}, {}, {}] });
    expect(lines()).toEqual([]);
  });
});
