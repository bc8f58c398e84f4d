import { eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { forEachDatabase } from '../../test/databases.js';
import { machines } from '../db/schema.js';
import { HeartbeatWriter } from './heartbeats.js';
import { captureLogger } from '../kernel/logger.js';
import { createJoinToken, redeemJoinToken } from './join.js';

forEachDatabase('heartbeat writer', (get) => {
  it('writes the latest beat of every machine, together, and keeps the inventory when a beat carries none', async () => {
    const { deps, admin } = get();
    const join = await createJoinToken(deps, admin, { uses: 2 });
    const a = (await redeemJoinToken(deps, join.token, { name: 'beat-a', slots: 2 })).machine;
    const b = (await redeemJoinToken(deps, join.token, { name: 'beat-b', slots: 2 })).machine;
    const { log, lines } = captureLogger();
    const writer = new HeartbeatWriter(deps, log);
    const at = (s: number) => new Date(Date.UTC(2026, 10, 25, 12, 0, s));
    writer.record({
      machineId: a.id,
      seenAt: at(1),
      slotsUsed: 0,
      clis: [{ name: 'claude', version: '2.0.0', path: '/usr/bin/claude' }],
    });
    // Recorded while the first write is in flight: the later beat of `a` replaces the earlier one.
    writer.record({ machineId: a.id, seenAt: at(2), slotsUsed: 1, load: 0.5 });
    writer.record({ machineId: b.id, seenAt: at(3), slotsUsed: 2, diskFreeBytes: 1024 });
    writer.record({ machineId: a.id, seenAt: at(4), slotsUsed: 2 });
    await writer.flushed();
    const [rowA] = await deps.db.select().from(machines).where(eq(machines.id, a.id));
    const [rowB] = await deps.db.select().from(machines).where(eq(machines.id, b.id));
    expect(rowA).toMatchObject({
      lastSeenAt: at(4),
      lastHeartbeat: { slotsUsed: 2 },
      clis: [{ name: 'claude', version: '2.0.0', path: '/usr/bin/claude' }],
    });
    expect(rowB).toMatchObject({ lastSeenAt: at(3), lastHeartbeat: { slotsUsed: 2, diskFreeBytes: 1024 } });
    expect(lines()).toEqual([]);
  });

  it('logs a failed write and goes on with the next beats', async () => {
    const { deps, admin } = get();
    const join = await createJoinToken(deps, admin, {});
    const m = (await redeemJoinToken(deps, join.token, { name: 'beat-c', slots: 1 })).machine;
    const { log, lines } = captureLogger();
    const writer = new HeartbeatWriter(deps, log);
    writer.record({ machineId: m.id, seenAt: new Date(Number.NaN), slotsUsed: 0 });
    await writer.flushed().catch(() => {});
    expect(lines().join('\n')).toMatch(/could not store 1 heartbeat/);
    writer.record({ machineId: m.id, seenAt: new Date(Date.UTC(2026, 0, 1)), slotsUsed: 1 });
    await writer.flushed();
    const [row] = await deps.db.select().from(machines).where(eq(machines.id, m.id));
    expect(row!.lastHeartbeat).toEqual({ slotsUsed: 1 });
  });
});
