/**
 * A daemon's hello on a new session: the version and revocation checks, the hello kept within the
 * machine's limits, the session claimed in the database (a new epoch, replacing an open one), runs
 * reconciled, the welcome, and the machine's pending cancels and queued runs sent.
 */
import { eq } from 'drizzle-orm';
import { CLOSE_CODES, PROTOCOL_VERSION, OPENASE_VERSION, type DaemonFrame } from '@openase/shared';
import { machines } from '../db/schema.js';
import type { Deps } from '../kernel/context.js';
import type { Logger } from '../kernel/logger.js';
import { activeRunsOn, reconcileHeldRuns, settleUnreportedRuns } from '../runs/lifecycle.js';
import type { AgentRunHooks } from './agent-run-hooks.js';
import { boundHello } from './join.js';
import { clearSession, type Session } from './session.js';

/** What welcoming a session needs of the hub. */
export interface HelloContext {
  deps: Deps;
  log: Logger;
  replicaId: string;
  heartbeatMs: number;
  /** The hub's open sessions by machine id: a welcomed session replaces the machine's open one. */
  sessions: Map<string, Session>;
  dispatch(machineId: string): Promise<void>;
  agentRuns(): AgentRunHooks | null;
}

export async function welcomeHello(
  ctx: HelloContext,
  session: Session,
  hello: Extract<DaemonFrame, { type: 'hello' }>,
): Promise<void> {
  const { deps, log } = ctx;
  if (session.id) {
    session.sink.send({
      type: 'error',
      code: 'malformed_frame',
      message: 'hello was already received on this session',
    });
    return;
  }
  if (hello.protocol !== PROTOCOL_VERSION) {
    const message = `protocol ${hello.protocol} is not supported; this control plane speaks ${PROTOCOL_VERSION}..${PROTOCOL_VERSION}: upgrade the daemon`;
    session.sink.send({ type: 'error', code: 'unsupported_version', message });
    session.sink.close(CLOSE_CODES.unsupportedVersion, 'unsupported protocol version');
    return;
  }
  const [current] = await deps.db
    .select({ revokedAt: machines.revokedAt, maxSlots: machines.maxSlots, allowedClis: machines.allowedClis })
    .from(machines)
    .where(eq(machines.id, session.machineId));
  if (!current || current.revokedAt) {
    const message = `machine ${session.machineName} has been revoked; join again with a new join token`;
    session.sink.send({ type: 'error', code: 'revoked', message });
    session.sink.close(CLOSE_CODES.revoked, 'machine revoked');
    return;
  }
  // A machine cannot promote itself: slots and CLIs stay within what an admin allowed.
  const bounded = boundHello(current, hello);
  if (bounded.trimmed.length)
    log.warn(
      { machine: session.machineName },
      `[fleet] ${session.machineName}: hello asked for more than allowed (${bounded.trimmed.join('; ')}); kept within the limits`,
    );
  session.allowedClis = current.allowedClis;
  const now = deps.clock.now();
  const sessionId = deps.ids.uuid();
  const [row] = await deps.db.transaction(async (tx) => {
    const [m] = await tx
      .select({ epoch: machines.sessionEpoch })
      .from(machines)
      .where(eq(machines.id, session.machineId))
      .for('update');
    return tx
      .update(machines)
      .set({
        sessionId,
        sessionEpoch: (m?.epoch ?? 0) + 1,
        replicaId: ctx.replicaId,
        connectedAt: now,
        lastSeenAt: now,
        disconnectedAt: null,
        hostname: hello.hostname,
        os: hello.os,
        arch: hello.arch,
        daemonVersion: hello.version,
        clis: bounded.clis,
        slots: bounded.slots,
      })
      .where(eq(machines.id, session.machineId))
      .returning({ epoch: machines.sessionEpoch });
  });
  if (session.closed) return void (await clearSession(deps, session.machineId, row!.epoch));
  session.id = sessionId;
  session.epoch = row!.epoch;
  const previous = ctx.sessions.get(session.machineId);
  if (previous && previous !== session) {
    log.warn(
      { machine: session.machineName },
      `[fleet] ${session.machineName}: a new session replaced the open one (epoch ${previous.epoch} → ${session.epoch}); if this keeps happening, two daemons share one credential (cloned?)`,
    );
    previous.closed = true;
    previous.sink.close(CLOSE_CODES.replaced, 'replaced by a newer session of this machine');
  }
  ctx.sessions.set(session.machineId, session);
  const reconcile = await reconcileHeldRuns(deps, session.machineId, hello.running);
  await settleUnreportedRuns(deps, session.machineId, hello.running);
  session.sink.send({
    type: 'welcome',
    sessionId,
    machineId: session.machineId,
    heartbeatMs: ctx.heartbeatMs,
    protocol: { min: PROTOCOL_VERSION, max: PROTOCOL_VERSION },
    version: OPENASE_VERSION,
    reconcile,
  });
  log.info(
    { machine: session.machineName },
    `[fleet] ${session.machineName} connected (session ${session.epoch}, ${bounded.slots} slot(s), holding ${hello.running.length} run(s))`,
  );
  for (const run of await activeRunsOn(deps, session.machineId)) {
    if (run.cancelRequestedAt && run.state !== 'queued')
      session.sink.send({ type: 'run.cancel', runId: run.id, leaseEpoch: run.leaseEpoch, graceMs: 10_000 });
  }
  await ctx.dispatch(session.machineId);
  await ctx.agentRuns()?.onConnected(session.machineId);
}
