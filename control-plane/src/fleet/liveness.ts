/**
 * Liveness, checked by the hub's sweep: sessions silent for `disconnectAfterMs` are closed (the
 * others pinged every `heartbeatMs`), and a machine disconnected for `lostAfterMs` is lost: only
 * then are its runs failed (after a restart the clock starts at boot). Runs left on revoked
 * machines end too.
 */
import { and, eq, inArray, isNotNull, isNull, or, lt } from 'drizzle-orm';
import { ACTIVE_RUN_STATES } from '@openase/shared';
import { machines, runs } from '../db/schema.js';
import type { Deps } from '../kernel/context.js';
import type { Logger } from '../kernel/logger.js';
import { failRunsOfLostMachine } from '../runs/lifecycle.js';
import type { Session } from './session.js';
import type { FleetThresholds } from './status.js';

export interface LostMachine {
  id: string;
  name: string;
  orgId: string;
  disconnectedAt: Date;
}

/** How long a silent session's close may wait for the peer's answer before the connection is dropped. */
export const SILENT_CLOSE_GRACE_MS = 2000;

/** When each silent session was asked to close (told once, dropped after the grace). */
const closing = new WeakMap<Session, number>();

/**
 * Closes the sessions silent for too long and pings the others once a heartbeat interval. A silent peer (a stopped
 * process, a dead link) never answers the close, and a WebSocket waits 30 s for that answer: the close is said once and
 * the connection dropped after SILENT_CLOSE_GRACE_MS (it was said on every sweep, and the machine disconnected at
 * ~75 s instead of 45 s).
 */
export function checkSilence(sessions: Iterable<Session>, thresholds: FleetThresholds, log: Logger): void {
  const now = Date.now();
  for (const s of sessions) {
    // A paused session (backpressure) is quiet because its frames are not being read, not because it is gone.
    if (s.paused) s.lastSeen = now;
    else if (now - s.lastSeen > thresholds.disconnectAfterMs) {
      const asked = closing.get(s);
      if (asked === undefined) {
        closing.set(s, now);
        log.warn(
          { machine: s.machineName },
          `[fleet] ${s.machineName}: silent for ${Math.round((now - s.lastSeen) / 1000)} s; closing the session`,
        );
        s.sink.close(4408, 'no heartbeat');
      } else if (now - asked >= SILENT_CLOSE_GRACE_MS) s.sink.terminate?.();
    } else if (now - s.lastPing >= thresholds.heartbeatMs) {
      s.lastPing = now;
      s.sink.ping?.();
    }
  }
}

/** What finding lost machines needs of the hub. */
export interface LostMachinesContext {
  deps: Deps;
  log: Logger;
  thresholds: FleetThresholds;
  startedAt: Date;
  /** Machines whose session this replica holds: judged by their own silence timer. */
  sessions: Map<string, Session>;
  lostListener(): ((m: LostMachine) => void) | null;
}

/** Runs left on revoked machines (e.g. placed while the revocation committed) end too. */
async function endRunsOfRevokedMachines(deps: Deps): Promise<void> {
  const left = await deps.db
    .selectDistinct({ id: machines.id, name: machines.name })
    .from(machines)
    .innerJoin(runs, eq(runs.machineId, machines.id))
    .where(and(isNotNull(machines.revokedAt), inArray(runs.state, [...ACTIVE_RUN_STATES])));
  for (const m of left) await failRunsOfLostMachine(deps, m.id, `machine ${m.name} was revoked`, { revoked: true });
}

export async function failLostMachines(ctx: LostMachinesContext): Promise<void> {
  const { deps, thresholds } = ctx;
  await endRunsOfRevokedMachines(deps);
  const since = new Date(Math.max(deps.clock.now().getTime() - thresholds.lostAfterMs, 0));
  if (ctx.startedAt > since) return; // grace after a restart: give daemons time to come back
  const rows = await deps.db
    .select({ id: machines.id, name: machines.name, orgId: machines.orgId, disconnectedAt: machines.disconnectedAt })
    .from(machines)
    .where(
      or(
        and(isNull(machines.sessionId), isNotNull(machines.disconnectedAt), lt(machines.disconnectedAt, since)),
        // A session left open by a replica that died (killed, host lost): nothing refreshes it any more.
        and(isNotNull(machines.sessionId), lt(machines.lastSeenAt, since)),
      ),
    );
  // A session this replica holds is judged by its own silence timer (closed after disconnectAfterMs), not by
  // the row: last_seen_at is written sparingly, and a session being closed for silence would otherwise be
  // taken for one left open by a dead replica and its runs failed before it closed (hub.test.ts saw it).
  const gone = rows.filter((m) => !ctx.sessions.has(m.id));
  for (const m of gone) {
    ctx.lostListener()?.({ ...m, disconnectedAt: m.disconnectedAt! });
    const n = await failRunsOfLostMachine(
      deps,
      m.id,
      `machine ${m.name} lost: silent for more than ${Math.round(thresholds.lostAfterMs / 1000)} s`,
    );
    if (n) ctx.log.warn({ machine: m.name }, `[fleet] ${m.name} is lost; ${n} run(s) marked lost`);
  }
}
