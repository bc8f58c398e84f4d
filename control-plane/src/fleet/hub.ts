/**
 * The fleet hub: one live session per machine, whatever the transport (reverse WebSocket, SSH
 * exec channel, a local child's stdio). A transport hands the hub raw frames and a `FrameSink`;
 * the hub validates, runs the protocol state machine (runs/lifecycle.ts) and answers.
 *
 * - A new session of a machine replaces the open one (close 4409), logged as a possible cloned
 *   credential; `session_epoch` makes sure a stale socket's late close never clears a newer one.
 * - Liveness: the transport pings every `heartbeatMs` (the daemon also sends heartbeats); a
 *   session silent for `disconnectAfterMs` is closed. A machine disconnected for `lostAfterMs`
 *   is `lost` and only then are its runs failed (after a restart the clock starts at boot).
 * - Sending to a machine: `send` when this replica must hold the socket (a request waiting for its reply),
 *   `command` otherwise: forwarded to the replica holding it (fleet/machine-commands.ts).
 *
 * The pieces: a session and its limits (session.ts), the hello (session-hello.ts), the frames after it
 * (daemon-frames.ts), the sweep's liveness and lost machines (liveness.ts) and ended credentials
 * (session-credentials.ts).
 */

import { eq, or } from 'drizzle-orm';
import { conflict, OpenaseError, type ControlFrame } from '@openase/shared';
import { machines, runs } from '../db/schema.js';
import type { Deps } from '../kernel/context.js';
import type { MachineCommand } from '../kernel/transaction.js';
import { activeRunsOn, offerRun, withdrawExpiredOffers } from '../runs/lifecycle.js';
import { EventIngestQueue } from '../runs/ingest-queue.js';
import { HeartbeatWriter, heartbeatRefreshMs } from './heartbeats.js';
import { MachineHistoryWriter } from './machine-history.js';
import { errField, type Logger } from '../kernel/logger.js';
import { GitRequests } from './git-requests.js';
import type { SessionCredential } from './join.js';
import { DEFAULT_FRAME_LIMITS, type FrameLimits } from './frame-throttle.js';
import { fleetThresholds, type FleetThresholds } from './status.js';
import type { AgentRunHooks } from './agent-run-hooks.js';
import {
  clearSession,
  clearStaleSessions,
  frameHandled,
  frameQueued,
  newSession,
  storesAnswered,
  throttleClose,
  type FrameSink,
  type Session,
} from './session.js';
import { received, receiveNext, type DaemonFrameContext } from './daemon-frames.js';
import { SessionCredentialCheck } from './session-credentials.js';
import { checkSilence, failLostMachines, type LostMachine, type LostMachinesContext } from './liveness.js';
/** Sending to a machine. */
export interface MachineLink {
  /** Only to a machine whose socket this replica holds (false otherwise): requests that wait for a reply. */
  send(machineId: string, frame: ControlFrame): boolean;
  /** Wherever its socket is held: here, or through the replica holding it (fleet/machine-commands.ts). */
  command(machineId: string, frame: ControlFrame): void;
}

export interface HubOptions extends Partial<FleetThresholds> {
  /** This process's replica id (machines.replica_id of the sessions it holds). */
  replicaId?: string;
  /** No other replica can exist (PGlite): sessions left by an earlier process are all stale. */
  soleReplica?: boolean;
  offerTimeoutMs?: number;
  /** Event-storing transactions in flight at once (runs/ingest-queue.ts): 1 on PGlite. */
  ingestLanes?: number;
  /** Per-connection frame rate, refused-frame and log limits (frame-throttle.ts). */
  frameLimits?: Partial<FrameLimits>;
}

const shuttingDown = () =>
  new OpenaseError('UNAVAILABLE', 'the control plane is shutting down; try again once it is back');

export class FleetHub implements MachineLink {
  readonly thresholds: FleetThresholds;
  private readonly sessions = new Map<string, Session>();
  private readonly replicaId: string;
  private readonly soleReplica: boolean;
  readonly offerTimeoutMs: number;
  private readonly log: Logger;
  private readonly frameLimits: FrameLimits;
  private timer: NodeJS.Timeout | null = null;
  private agentRuns: AgentRunHooks | null = null;
  private sweeping = false;
  private stopping = false;
  /** stop() finished: sessions were cleared; later transport closes leave the database alone. */
  private stopped = false;
  readonly startedAt: Date;
  /** Run events of every session, stored with group commit. */
  readonly ingest: EventIngestQueue;
  /** Heartbeats of every session, written together. */
  readonly heartbeats: HeartbeatWriter;
  /** Per machine and minute: runs in flight, load (machine-history.ts; one write a minute at most). */
  readonly history: MachineHistoryWriter;
  /** Outbound SSH connections, (re)started when an SSH machine is added or trusted. */
  ssh?: { refresh(machineId: string): void };
  /** Diffs and merges asked of daemons (git-requests.ts). */
  readonly git = new GitRequests(
    (machineId, frame) => this.send(machineId, frame),
    (machineId) => this.sessions.get(machineId)?.machineName ?? machineId,
  );
  /** What the frame handlers (daemon-frames.ts, session-hello.ts) use of the hub. */
  private readonly frames: DaemonFrameContext;
  /** What the sweep's search for lost machines (liveness.ts) uses of the hub. */
  private readonly lost: LostMachinesContext;
  private readonly credentials: SessionCredentialCheck;

  constructor(
    private readonly deps: Deps,
    opts: HubOptions = {},
  ) {
    this.thresholds = fleetThresholds(opts);
    this.replicaId = opts.replicaId ?? 'primary';
    this.soleReplica = opts.soleReplica ?? false;
    this.offerTimeoutMs = opts.offerTimeoutMs ?? 10_000;
    this.frameLimits = { ...DEFAULT_FRAME_LIMITS, ...opts.frameLimits };
    this.log = deps.log.child({ component: 'fleet' });
    this.startedAt = deps.clock.now();
    this.ingest = new EventIngestQueue(deps, { lanes: opts.ingestLanes ?? 1 });
    this.heartbeats = new HeartbeatWriter(deps, this.log, 100, heartbeatRefreshMs(this.thresholds));
    this.history = new MachineHistoryWriter(deps, this.log);
    this.frames = {
      deps,
      log: this.log,
      replicaId: this.replicaId,
      heartbeatMs: this.thresholds.heartbeatMs,
      sessions: this.sessions,
      dispatch: (machineId) => this.dispatch(machineId),
      agentRuns: () => this.agentRuns,
      ingest: this.ingest,
      heartbeats: this.heartbeats,
      history: this.history,
      git: this.git,
      stopping: () => this.stopping,
    };
    this.lost = {
      deps,
      log: this.log,
      thresholds: this.thresholds,
      startedAt: this.startedAt,
      sessions: this.sessions,
      lostListener: () => this.lostListener,
    };
    this.credentials = new SessionCredentialCheck(deps, this.log, this.thresholds.heartbeatMs);
    // Frames decided by committed transactions (a cancel, a chat turn, a workspace removal).
    this.offCommands = deps.bus.onCommands((commands) => {
      for (const c of commands) this.command(c.machineId, c.frame);
    });
  }

  private readonly offCommands: () => void;
  private forwarder: ((command: MachineCommand) => void) | null = null;

  /** Attaches where commands for machines held by other replicas go; returns a function that detaches it. */
  setForwarder(forward: (command: MachineCommand) => void): () => void {
    this.forwarder = forward;
    return () => {
      if (this.forwarder === forward) this.forwarder = null;
    };
  }

  command(machineId: string, frame: ControlFrame): void {
    if (!this.send(machineId, frame)) this.forwarder?.({ machineId, frame });
  }

  private lostListener: ((m: LostMachine) => void) | null = null;
  /** Told of each machine found lost (notifications). */
  onMachineLost(listener: (m: LostMachine) => void): void {
    this.lostListener = listener;
  }

  setAgentRuns(hooks: AgentRunHooks): void {
    this.agentRuns = hooks;
  }

  /** Clears sessions this replica held before a restart and starts the liveness sweep. */
  async start(): Promise<void> {
    await clearStaleSessions(this.deps, this.replicaId, this.soleReplica);
    const tick = Math.max(50, Math.min(this.thresholds.heartbeatMs, 1000));
    this.timer = setInterval(() => void this.sweep(), tick);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.offCommands();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    // Frames still queued are dropped: nothing unacked is lost, daemons resend after reconnecting.
    this.stopping = true;
    const open = [...this.sessions.values()];
    for (const s of open) s.sink.close(1001, 'control plane shutting down');
    // A diff or merge asked of a machine now fails as "try again once back", not as the machine's fault.
    for (const s of open) this.git.dropMachine(s.machineId, shuttingDown());
    await Promise.all(open.map((s) => s.queue.then(() => storesAnswered(s))));
    // Cleared here, while the database is still open: a transport's own close comes later (the
    // local daemon exits after the control plane) and must not touch a closed database.
    for (const s of open) {
      if (this.sessions.get(s.machineId) === s) this.sessions.delete(s.machineId);
      if (s.id) await clearSession(this.deps, s.machineId, s.epoch);
    }
    this.stopped = true;
    await this.heartbeats.flushed();
    await this.history.flushed();
  }

  /** Open sessions (hello received) of this replica by transport (metrics). */
  sessionCounts(): Record<'websocket' | 'lines', number> {
    const counts = { websocket: 0, lines: 0 };
    for (const s of this.sessions.values()) counts[s.sink.transport ?? 'lines']++;
    return counts;
  }

  /** A transport opened for an authenticated machine: the session starts at the daemon's hello. */
  connect(
    machine: { id: string; name: string; credential?: SessionCredential },
    sink: FrameSink,
  ): { receive(raw: string | Uint8Array): void; closed(): void } {
    const session = newSession(machine, sink, this.frameLimits);
    return {
      receive: (raw) => {
        if (session.throttled) return;
        const now = Date.now();
        const verdict = session.throttle.frame(now);
        if (!verdict.ok) return throttleClose(this.log, session, verdict.reason);
        session.lastSeen = now;
        session.inbox.push(received(this.frames, session, raw));
        frameQueued(session);
        session.queue = session.queue
          .then(() => receiveNext(this.frames, session))
          .catch((err) =>
            this.log.error({ machine: machine.name, ...errField(err) }, `[fleet] ${machine.name}: a frame failed`),
          )
          .finally(() => frameHandled(session));
      },
      closed: () => {
        session.closed = true;
        session.queue = session.queue.then(() => storesAnswered(session)).then(() => this.detach(session));
      },
    };
  }

  /** Marks a live session as heard from (a WebSocket pong). */
  touch(machineId: string): void {
    const s = this.sessions.get(machineId);
    if (s) s.lastSeen = Date.now();
  }

  send(machineId: string, frame: ControlFrame): boolean {
    const s = this.sessions.get(machineId);
    if (!s || s.closed) return false;
    s.sink.send(frame);
    return true;
  }

  /** This replica holds the machine's session, welcomed and open: a frame sent now reaches it. */
  holds(machineId: string): boolean {
    const s = this.sessions.get(machineId);
    return !!s?.id && !s.closed;
  }

  isConnected(machineId: string): boolean {
    return this.sessions.has(machineId);
  }

  /** Machines whose session this replica holds (welcomed and open). */
  connectedMachineIds(): string[] {
    return [...this.sessions.values()].filter((s) => s.id && !s.closed).map((s) => s.machineId);
  }

  /** Closes a machine's session with a code (revocation: 4401, the daemon stops retrying). */
  disconnect(machineId: string, code: number, reason: string): void {
    this.sessions.get(machineId)?.sink.close(code, reason);
  }

  private readonly dispatching = new Map<string, Promise<void>>();

  /** Offers this machine's queued runs while it has free slots (one pass per machine at a time). */
  dispatch(machineId: string): Promise<void> {
    const next = (this.dispatching.get(machineId) ?? Promise.resolve()).then(() => this.dispatchNow(machineId));
    const settled = next.catch((err: Error) =>
      this.log.error({ machineId, ...errField(err) }, `[fleet] dispatch failed: ${err.message}`),
    );
    this.dispatching.set(machineId, settled);
    return settled;
  }

  private async dispatchNow(machineId: string): Promise<void> {
    const s = this.sessions.get(machineId);
    if (!s) return;
    const [machine] = await this.deps.db
      .select({ slots: machines.slots })
      .from(machines)
      .where(eq(machines.id, machineId));
    const active = await activeRunsOn(this.deps, machineId);
    let free = (machine?.slots ?? 0) - active.filter((r) => r.state !== 'queued').length;
    for (const run of active) {
      if (free <= 0) break;
      if (run.state !== 'queued') continue;
      const frame = await offerRun(this.deps, run.id, this.offerTimeoutMs, this.agentRuns?.materialize);
      if (frame && this.send(machineId, frame)) free--;
    }
  }

  private async detach(session: Session): Promise<void> {
    if (!session.id || this.stopped) return;
    if (this.sessions.get(session.machineId) === session) {
      this.sessions.delete(session.machineId);
      // Named here: the session has left the map, so the requests' own lookup would give the id.
      this.git.dropMachine(
        session.machineId,
        this.stopping ? shuttingDown() : conflict(`machine ${session.machineName} disconnected before answering`),
      );
      this.heartbeats.forget(session.machineId);
    }
    await clearSession(this.deps, session.machineId, session.epoch);
    this.log.info(
      { machine: session.machineName },
      `[fleet] ${session.machineName} disconnected (session ${session.epoch})`,
    );
  }

  /** Liveness and offer timeouts. Safe to run often; one pass at a time. */
  async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      checkSilence(this.sessions.values(), this.thresholds, this.log);
      const withdrawn = await withdrawExpiredOffers(this.deps);
      if (withdrawn.length) {
        const rows = await this.deps.db
          .select({ machineId: runs.machineId })
          .from(runs)
          .where(or(...withdrawn.map((id) => eq(runs.id, id))));
        for (const machineId of new Set(rows.map((r) => r.machineId))) if (machineId) await this.dispatch(machineId);
      }
      await this.credentials.closeEnded(this.sessions.values());
      await failLostMachines(this.lost);
    } catch (err) {
      this.log.error(errField(err), `[fleet] sweep failed: ${(err as Error).message}`);
    } finally {
      this.sweeping = false;
    }
  }
}
