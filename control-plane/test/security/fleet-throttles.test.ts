/**
 * The fleet hub's throttles and credential ends (issue 13, points 5 and 6): a daemon flooding
 * junk frames is disconnected with 4429 after a bounded number of frames and log lines while
 * another daemon carries on; a session is closed (4401) when its credential is revoked or expires.
 */
import { expect, it } from 'vitest';
import { CLOSE_CODES } from '@openase/shared';
import { forEachDatabase } from '@openase/test-kit/databases';
import { helloFrame } from '@openase/test-kit/fleet-harness';
import { waitFor } from '@openase/test-kit/wait';
import { authenticateMachine, createJoinToken, redeemJoinToken, revokeMachine } from '../../src/fleet/join.js';
import { FleetHub } from '../../src/fleet/hub.js';
import { MemorySink } from '../frame-sink.js';
import { captureLogger } from '../../src/kernel/logger.js';

const hello = JSON.stringify(helloFrame('h', 't'));

let n = 0;

forEachDatabase('security: fleet throttles', (get) => {
  async function daemon(hub: FleetHub, opts: { credentialTtlSeconds?: number } = {}) {
    const { deps, admin } = get();
    const join = await createJoinToken(deps, admin, opts);
    const { machine, credential } = await redeemJoinToken(deps, join.token, { name: `thr-${++n}` });
    const authenticated = await authenticateMachine(deps, credential);
    const sink = new MemorySink();
    const conn = hub.connect(authenticated, sink);
    conn.receive(hello);
    await waitFor('welcome', () => sink.frames.some((f) => f.type === 'welcome'));
    return { machine, sink, conn };
  }

  it('a daemon flooding 20,000 junk frames is disconnected with 4429; the log stays short; others carry on', async () => {
    const captured = captureLogger();
    const deps = { ...get().deps, log: captured.log };
    const hub = new FleetHub(deps);
    const flooder = await daemon(hub);
    const other = await daemon(hub);
    const before = captured.records.length;
    for (let i = 0; i < 20_000; i++) flooder.conn.receive(i % 2 ? 'not json' : JSON.stringify({ type: 'junk', i }));
    await waitFor('the flooder closed', () => flooder.sink.closedWith !== null);
    expect(flooder.sink.closedWith).toMatchObject({ code: CLOSE_CODES.rateLimited });
    expect(flooder.sink.frames.at(-1)).toMatchObject({ type: 'error', code: 'rate_limited' });
    // Refused frames answered before the close stay within the budget, and so do log lines.
    expect(flooder.sink.frames.filter((f) => f.type === 'error').length).toBeLessThan(200);
    await hub.stop().catch(() => {});
    const lines = captured.records.slice(before).map((r) => String(r.msg));
    expect(lines.length).toBeLessThan(40);
    expect(lines.join('\n')).toMatch(/disconnected for flooding/);
    // The other daemon was not touched.
    expect(other.sink.closedWith?.code ?? null).not.toBe(CLOSE_CODES.rateLimited);
  });

  it('a flood of well-formed frames above the frame rate is disconnected too; a normal rate is not', async () => {
    const { deps } = get();
    const hub = new FleetHub(deps, { frameLimits: { framesPerSecond: 100, frameBurst: 200 } });
    const calm = await daemon(hub);
    for (let i = 0; i < 50; i++) calm.conn.receive(JSON.stringify({ type: 'heartbeat', slotsUsed: 0, runs: [] }));
    const loud = await daemon(hub);
    for (let i = 0; i < 1000; i++) loud.conn.receive(JSON.stringify({ type: 'heartbeat', slotsUsed: 0, runs: [] }));
    expect(loud.sink.closedWith).toMatchObject({ code: CLOSE_CODES.rateLimited });
    expect(calm.sink.closedWith).toBeNull();
    await hub.stop();
  });

  it('closes a WebSocket session when its machine is revoked elsewhere (no direct disconnect)', async () => {
    const { deps, admin } = get();
    const hub = new FleetHub(deps, { heartbeatMs: 50 });
    await hub.start();
    const d = await daemon(hub);
    // Revoked through the domain function only, as another replica would: the sweep notices.
    await revokeMachine(deps, admin, d.machine.name);
    await waitFor('the session closed', () => d.sink.closedWith !== null);
    expect(d.sink.closedWith).toMatchObject({ code: CLOSE_CODES.revoked });
    await hub.stop();
  });

  it('closes a WebSocket session when its credential expires', async () => {
    const { deps } = get();
    const clock = { offsetMs: 0, now: () => new Date(Date.now() + clock.offsetMs) };
    const hub = new FleetHub({ ...deps, clock }, { heartbeatMs: 50 });
    await hub.start();
    const d = await daemon(hub, { credentialTtlSeconds: 60 });
    expect(d.sink.closedWith).toBeNull();
    clock.offsetMs = 61_000;
    await waitFor('the session closed at expiry', () => d.sink.closedWith !== null);
    expect(d.sink.closedWith).toMatchObject({ code: CLOSE_CODES.revoked, reason: expect.stringMatching(/expired/) });
    await hub.stop();
  });
});
