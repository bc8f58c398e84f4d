import { eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { forEachDatabase } from '@openase/test-kit/databases';
import { machines } from '../db/schema.js';
import { HeartbeatWriter, heartbeatRefreshMs } from './heartbeats.js';
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

  it('writes a beat that changes nothing only once the row is refreshMs old', async () => {
    const { deps, admin } = get();
    const join = await createJoinToken(deps, admin, {});
    const m = (await redeemJoinToken(deps, join.token, { name: 'beat-d', slots: 2 })).machine;
    const writer = new HeartbeatWriter(deps, captureLogger().log, 0, 20_000);
    const at = (s: number) => new Date(Date.UTC(2026, 10, 25, 12, 0, s));
    const row = async () => (await deps.db.select().from(machines).where(eq(machines.id, m.id)))[0]!;
    const beat = async (s: number, slotsUsed: number, load?: number) => {
      writer.record({ machineId: m.id, seenAt: at(s), slotsUsed, ...(load !== undefined ? { load } : {}) });
      await writer.flushed();
      return row();
    };
    expect((await beat(0, 0)).lastSeenAt).toEqual(at(0));
    // Same slots, another load, 15 s later: kept in memory.
    expect((await beat(15, 0, 0.7)).lastSeenAt).toEqual(at(0));
    // A run started: written at once.
    expect(await beat(16, 1)).toMatchObject({ lastSeenAt: at(16), lastHeartbeat: { slotsUsed: 1 } });
    expect((await beat(31, 1)).lastSeenAt).toEqual(at(16));
    // 20 s after the last write: written, load and all.
    expect(await beat(36, 1, 0.2)).toMatchObject({ lastSeenAt: at(36), lastHeartbeat: { slotsUsed: 1, load: 0.2 } });
    expect(writer.skipped).toBe(2);
    // A new session is written whatever its first beat says.
    writer.forget(m.id);
    expect((await beat(37, 1)).lastSeenAt).toEqual(at(37));
    // The defaults (beats every 15 s, online for 45 s): refreshed after 22.5 s, so at most 30 s old between beats.
    expect(heartbeatRefreshMs({ heartbeatMs: 15_000, disconnectAfterMs: 45_000 })).toBe(22_500);
    expect(heartbeatRefreshMs({ heartbeatMs: 200, disconnectAfterMs: 250 })).toBe(0);
  });
});
