/**
 * The fleet view: per machine its kind, derived status, labels, slots used/total, running runs,
 * CLIs, OS/arch, last heartbeat and daemon version; and fleet totals.
 * Status: online (session open and heard from within `disconnectAfterMs`), disconnected (less
 * than `lostAfterMs` since), lost (longer), revoked, pending (never connected).
 */
import { and, asc, eq, inArray } from 'drizzle-orm';
import { ACTIVE_RUN_STATES, notFound, type MachineStatus } from '@openase/shared';
import { machines, projects, runs, tickets } from '../db/schema.js';
import { ticketOfRun } from '../kernel/lookups.js';
import type { DbOrTx } from '../db/database.js';

export interface FleetThresholds {
  heartbeatMs: number;
  disconnectAfterMs: number;
  lostAfterMs: number;
}

/**
 * Defaults 15 s / 45 s / 5 min; env OPENASE_HEARTBEAT_MS, OPENASE_DISCONNECT_AFTER_MS, OPENASE_LOST_AFTER_MS override.
 */
export function fleetThresholds(
  given: Partial<FleetThresholds> = {},
  env: NodeJS.ProcessEnv = process.env,
): FleetThresholds {
  const pick = (v: number | undefined, name: string, dflt: number) =>
    v ?? (Number(env[name]) > 0 ? Number(env[name]) : dflt);
  return {
    heartbeatMs: pick(given.heartbeatMs, 'OPENASE_HEARTBEAT_MS', 15_000),
    disconnectAfterMs: pick(given.disconnectAfterMs, 'OPENASE_DISCONNECT_AFTER_MS', 45_000),
    lostAfterMs: pick(given.lostAfterMs, 'OPENASE_LOST_AFTER_MS', 300_000),
  };
}

type MachineRow = typeof machines.$inferSelect;

export function machineStatus(m: MachineRow, now: Date, t: FleetThresholds, bootedAt?: Date): MachineStatus {
  if (m.revokedAt) return 'revoked';
  if (!m.connectedAt) return 'pending';
  const lastSeen = m.lastSeenAt?.getTime() ?? 0;
  if (m.sessionId && now.getTime() - lastSeen <= t.disconnectAfterMs) return 'online';
  let since = m.disconnectedAt?.getTime() ?? lastSeen;
  if (bootedAt) since = Math.max(since, bootedAt.getTime());
  return now.getTime() - since < t.lostAfterMs ? 'disconnected' : 'lost';
}

export interface RunningWork {
  runId: string;
  ticket: string | null;
  title: string | null;
  project: string | null;
}

export interface FleetMachine {
  id: string;
  name: string;
  kind: MachineRow['kind'];
  status: MachineStatus;
  labels: string[];
  slots: { total: number; used: number };
  runningRuns: string[];
  /** What each running run works on, for people: its ticket (key, title, project slug) or a Project AI chat. */
  running: RunningWork[];
  clis: unknown;
  os: string | null;
  arch: string | null;
  hostname: string | null;
  daemonVersion: string | null;
  lastSeenAt: Date | null;
  connectedAt: Date | null;
  /** Load average and free disk from the last heartbeat (null before the first). */
  load: number | null;
  diskFreeBytes: number | null;
  ssh: { host: string; port: number; user: string; fingerprint: string | null; seenFingerprint: string | null } | null;
}

export interface FleetView {
  machines: FleetMachine[];
  totals: { machines: number; online: number; slotsTotal: number; slotsUsed: number; slotsFree: number };
}

export async function fleetView(
  db: DbOrTx,
  orgId: string,
  now: Date,
  t: FleetThresholds,
  bootedAt?: Date,
): Promise<FleetView> {
  const rows = await db.select().from(machines).where(eq(machines.orgId, orgId)).orderBy(asc(machines.name));
  const active = rows.length
    ? await db
        .select({
          id: runs.id,
          machineId: runs.machineId,
          state: runs.state,
          ticket: tickets.identifier,
          title: tickets.title,
          project: projects.slug,
        })
        .from(runs)
        .leftJoin(tickets, ticketOfRun())
        .leftJoin(projects, eq(projects.id, runs.projectId))
        .where(
          and(
            inArray(
              runs.machineId,
              rows.map((r) => r.id),
            ),
            inArray(
              runs.state,
              ACTIVE_RUN_STATES.filter((s) => s !== 'queued'),
            ),
          ),
        )
    : [];
  const list = rows.map((m): FleetMachine => {
    const mine = active.filter((r) => r.machineId === m.id);
    return {
      id: m.id,
      name: m.name,
      kind: m.kind,
      status: machineStatus(m, now, t, bootedAt),
      labels: m.labels,
      slots: { total: m.slots, used: mine.length },
      runningRuns: mine.map((r) => r.id),
      running: mine.map((r) => ({ runId: r.id, ticket: r.ticket, title: r.title, project: r.project })),
      clis: m.clis,
      os: m.os,
      arch: m.arch,
      hostname: m.hostname,
      daemonVersion: m.daemonVersion,
      lastSeenAt: m.lastSeenAt,
      connectedAt: m.connectedAt,
      load: m.lastHeartbeat?.load ?? null,
      diskFreeBytes: m.lastHeartbeat?.diskFreeBytes ?? null,
      ssh: m.ssh
        ? {
            host: m.ssh.host,
            port: m.ssh.port,
            user: m.ssh.user,
            fingerprint: m.ssh.fingerprint,
            seenFingerprint: m.ssh.seenFingerprint,
          }
        : null,
    };
  });
  const online = list.filter((m) => m.status === 'online');
  const slotsTotal = online.reduce((n, m) => n + m.slots.total, 0);
  const slotsUsed = list.reduce((n, m) => n + m.slots.used, 0);
  return {
    machines: list,
    totals: {
      machines: list.length,
      online: online.length,
      slotsTotal,
      slotsUsed,
      slotsFree: Math.max(0, slotsTotal - online.reduce((n, m) => n + m.slots.used, 0)),
    },
  };
}

export async function showMachine(
  db: DbOrTx,
  orgId: string,
  name: string,
  now: Date,
  t: FleetThresholds,
  bootedAt?: Date,
): Promise<FleetMachine> {
  const view = await fleetView(db, orgId, now, t, bootedAt);
  const found = view.machines.find((m) => m.name === name);
  if (!found) throw notFound(`machine "${name}" does not exist; \`openase machine list\` shows the fleet`);
  return found;
}
