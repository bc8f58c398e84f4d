/**
 * Machine `local`: this host, registered on start and served by a daemon the control plane runs
 * as a child (`openase-agent stdio`, JSON lines over stdin/stdout). The child is supervised: if
 * it dies it is started again (1 s doubling to 30 s); runs outlive it (they have their own
 * process groups) and the new daemon re-attaches to them.
 *
 * The daemon is trusted, what it starts is not (docs/security.md): it gets only the allowlisted
 * part of the server's environment (never DATABASE_URL, provider keys…) and is told to hide the
 * control plane's data dir (credentials, secret.key, database) from every agent, hook and command.
 * Without a sandbox it exits with EXIT_NO_SANDBOX: `local` stays off, with the one-line reason,
 * unless the operator turned it on knowingly unconfined (`--local-unconfined`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import os from 'node:os';
import { backoffDelay, CLOSE_CODES, inheritedEnv, LineSplitter } from '@openase/shared';
import { machines } from '../db/schema.js';
import type { Deps } from '../kernel/context.js';
import type { FleetHub } from './hub.js';
import { connectLines } from './line-transport.js';
import { otherControlPlanes } from '../secrets/key-check.js';

export interface LocalMachine {
  machineId: string;
  /** The daemon child currently running (tests kill it to prove supervision). */
  child(): ChildProcess | null;
  stop(): Promise<void>;
}

/** Exit code of a daemon that has no sandbox for what it would run (agent-daemon/src/sandbox/confine.ts). */
export const EXIT_NO_SANDBOX = 78;

/** The daemon's own tuning variables (spool limits, backoff) pass through; nothing else of the server's env. */
function daemonTuning(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env))
    if (key.startsWith('OPENASE_AGENT_') && key !== 'OPENASE_AGENT_HOME' && value !== undefined) out[key] = value;
  return out;
}

export async function ensureMachine(
  deps: Deps,
  orgId: string,
  name: string,
  kind: 'local' | 'ssh',
  values: Partial<typeof machines.$inferInsert> = {},
) {
  const [existing] = await deps.db
    .select()
    .from(machines)
    .where(and(eq(machines.orgId, orgId), eq(machines.name, name)));
  if (existing) return existing;
  const [created] = await deps.db
    .insert(machines)
    .values({ id: deps.ids.uuid(), orgId, name, kind, createdAt: deps.clock.now(), ...values })
    .onConflictDoNothing()
    .returning();
  return (
    created ??
    (
      await deps.db
        .select()
        .from(machines)
        .where(and(eq(machines.orgId, orgId), eq(machines.name, name)))
    )[0]!
  );
}

/**
 * The replica id of another live control plane of this PostgreSQL database whose daemon serves machine `local`,
 * or null. Two daemons answering as one machine lose each other's runs: a daemon's hello lists what it holds,
 * and the runs of the other one are then ended as lost. Live = connected to the database now (its pool is named
 * `openase <replica>` in pg_stat_activity); the row of a replica that died is taken over.
 */
export async function localServedElsewhere(deps: Deps, orgId: string, replicaId: string): Promise<string | null> {
  const [row] = await deps.db
    .select({ replicaId: machines.replicaId })
    .from(machines)
    .where(and(eq(machines.orgId, orgId), eq(machines.name, 'local'), eq(machines.kind, 'local')));
  if (!row?.replicaId || row.replicaId === replicaId) return null;
  // As otherControlPlanes lists them: the pool's application name (`openase <replica>`, 63 bytes at most).
  const named = (replica: string) => `openase ${replica}`.slice(0, 63);
  const alive = await otherControlPlanes(deps.db, named(replicaId));
  return alive.some((other) => named(other) === named(row.replicaId!)) ? row.replicaId : null;
}

export async function startLocalMachine(
  deps: Deps,
  hub: FleetHub,
  opts: { orgId: string; bundle: string; home: string; slots?: number; unconfined?: boolean },
): Promise<LocalMachine> {
  const log = deps.log.child({ component: 'local-machine', machine: 'local' });
  const slots = opts.slots ?? Math.max(1, Math.min(4, os.cpus().length));
  const machine = await ensureMachine(deps, opts.orgId, 'local', 'local', {
    slots,
    labels: ['local'],
    workdir: path.join(opts.home, 'local-machine'),
  });
  // OPENASE_LOCAL_SLOTS wins over what an earlier start stored (the daemon's hello updates the row).
  const daemonSlots = opts.slots ?? machine.slots;
  if (machine.kind !== 'local') {
    log.warn(`local machine: a ${machine.kind} machine is already named "local"; not starting this host's daemon`);
    return { machineId: machine.id, child: () => null, stop: async () => {} };
  }
  // This process starts the daemon, so it sets the ceiling its hello is held to.
  if (machine.maxSlots !== daemonSlots)
    await deps.db.update(machines).set({ maxSlots: daemonSlots }).where(eq(machines.id, machine.id));
  let stopping = false;
  let current: ChildProcess | null = null;
  let restarts = 0;
  let restartTimer: NodeJS.Timeout | null = null;
  const start = () => {
    const args = [
      opts.bundle,
      'stdio',
      '--home',
      path.join(opts.home, 'local-machine'),
      '--slots',
      String(daemonSlots),
      '--labels',
      machine.labels.join(','),
      '--hide',
      opts.home,
      ...(opts.unconfined ? ['--unconfined'] : []),
    ];
    const env = { ...inheritedEnv(), HOME: os.homedir(), ...daemonTuning(process.env) };
    const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'], env });
    current = child;
    const startedAt = Date.now();
    child.stdin!.on('error', () => {});
    const transport = connectLines(hub, machine, {
      input: child.stdout!,
      write: (line) => {
        if (child.exitCode === null && child.stdin!.writable) child.stdin!.write(line);
      },
      end: (code, reason) => {
        if (code === CLOSE_CODES.revoked) stopping = true; // revoked: do not bring it back
        log.info(`local machine: stopping its daemon (${reason})`);
        child.kill('SIGTERM');
      },
    });
    child.stderr!.setEncoding('utf8');
    const stderr = new LineSplitter((line) => log.info(`[local daemon] ${line}`));
    child.stderr!.on('data', (chunk: string) => stderr.push(chunk));
    child.stderr!.on('end', () => stderr.end());
    child.on('exit', (code, signal) => {
      transport.closed();
      if (current === child) current = null;
      if (stopping) return;
      if (code === EXIT_NO_SANDBOX) {
        log.warn(
          'local machine: off, nothing here can keep agents away from the control plane’s keys (install bubblewrap, or start with --local-unconfined / OPENASE_LOCAL_UNCONFINED=1 knowingly)',
        );
        return;
      }
      if (Date.now() - startedAt > 60_000) restarts = 0;
      const backoff = backoffDelay(restarts++, { baseMs: 1000, maxMs: 30_000 });
      log.warn(`local machine: its daemon exited (${signal ?? `code ${code}`}); restarting in ${backoff / 1000} s`);
      restartTimer = setTimeout(start, backoff);
    });
  };
  start();
  log.info(`local machine: this host serves runs as machine "local" (${daemonSlots} slot(s))`);
  return {
    machineId: machine.id,
    child: () => current,
    async stop() {
      stopping = true;
      if (restartTimer) clearTimeout(restartTimer);
      const child = current;
      if (child && child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
