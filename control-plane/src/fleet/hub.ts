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
 */
import { and, eq, inArray, isNotNull, isNull, or, lt } from 'drizzle-orm';
import {
  ACTIVE_RUN_STATES,
  CLOSE_CODES,
  DAEMON_FRAME_TYPES,
  PROTOCOL_VERSION,
  OPENASE_VERSION,
  daemonFrameSchema,
  decodeFrame,
  type ControlFrame,
  type DaemonFrame,
  type RunGateFrame,
  type RunTurnFrame,
} from '@openase/shared';
import { machineCredentials, machines, runs } from '../db/schema.js';
import type { Deps } from '../kernel/context.js';
import type { MachineCommand } from '../kernel/transaction.js';
import {
  acceptRun,
  activeRunsOn,
  failRunsOfLostMachine,
  finishRun,
  markStarted,
  offerRun,
  reconcileHeldRuns,
  rejectRun,
  RunRefusal,
  settleUnreportedRuns,
  withdrawExpiredOffers,
  type SpecMaterializer,
} from '../runs/lifecycle.js';
import { EventIngestQueue } from '../runs/ingest-queue.js';
import { recordApprovalRequest } from '../orchestrator/approvals.js';
import { HeartbeatWriter, heartbeatRefreshMs } from './heartbeats.js';
import { MachineHistoryWriter } from './machine-history.js';
import { errField, type Logger } from '../kernel/logger.js';
import { GitRequests } from './git-requests.js';
import { boundClis, boundHello, type SessionCredential } from './join.js';
import { DEFAULT_FRAME_LIMITS, FrameThrottle, type FrameLimits } from './frame-throttle.js';
import { fleetThresholds, type FleetThresholds } from './status.js';

export interface FrameSink {
  send(frame: ControlFrame): void;
  close(code: number, reason: string): void;
  /** Transport-level liveness probe (WebSocket ping); absent = rely on heartbeats. */
  ping?(): void;
  /** For metrics: a daemon's WebSocket, or JSON lines over a child's stdio or an SSH channel. */
  transport?: 'websocket' | 'lines';
}

/** Sending to a machine. */
export interface MachineLink {
  /** Only to a machine whose socket this replica holds (false otherwise): requests that wait for a reply. */
  send(machineId: string, frame: ControlFrame): boolean;
  /** Wherever its socket is held: here, or through the replica holding it (fleet/machine-commands.ts). */
  command(machineId: string, frame: ControlFrame): void;
}

/** What the orchestrator adds to the protocol for agent runs (shared/src/protocol/agent-run.ts). */
export interface AgentRunHooks {
  materialize: SpecMaterializer;
  /** null = no answer yet (a chat run waits for the person's next message; it is sent later). */
  onTurn(machineId: string, frame: RunTurnFrame): Promise<ControlFrame | null>;
  onGate(machineId: string, frame: RunGateFrame): Promise<ControlFrame>;
  onWorkspaceRemoved(machineId: string, frame: Extract<DaemonFrame, { type: 'workspace.removed' }>): Promise<void>;
  onConnected(machineId: string): Promise<void>;
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

interface Session {
  id: string;
  machineId: string;
  machineName: string;
  epoch: number;
  sink: FrameSink;
  lastSeen: number;
  lastPing: number;
  closed: boolean;
  /** Frames are handled one at a time, in arrival order. */
  queue: Promise<void>;
  /** CLIs the machine may offer (join token); null = any. */
  allowedClis: string[] | null;
  throttle: FrameThrottle;
  /** The machine credential it authenticated with (WebSocket); none for local and SSH sessions. */
  credential: SessionCredential | null;
  /** Closed for exceeding a limit: everything it still sends is dropped unread. */
  throttled: boolean;
}

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

  private lostListener: ((m: { id: string; name: string; orgId: string; disconnectedAt: Date }) => void) | null = null;
  /** Told of each machine found lost (notifications). */
  onMachineLost(listener: (m: { id: string; name: string; orgId: string; disconnectedAt: Date }) => void): void {
    this.lostListener = listener;
  }

  setAgentRuns(hooks: AgentRunHooks): void {
    this.agentRuns = hooks;
  }

  /** Clears sessions this replica held before a restart and starts the liveness sweep. */
  async start(): Promise<void> {
    const now = this.deps.clock.now();
    await this.deps.db
      .update(machines)
      .set({ sessionId: null, replicaId: null, disconnectedAt: now })
      .where(
        this.soleReplica
          ? isNotNull(machines.sessionId)
          : and(isNotNull(machines.sessionId), eq(machines.replicaId, this.replicaId)),
      );
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
    await Promise.all(open.map((s) => s.queue));
    // Cleared here, while the database is still open: a transport's own close comes later (the
    // local daemon exits after the control plane) and must not touch a closed database.
    for (const s of open) {
      if (this.sessions.get(s.machineId) === s) this.sessions.delete(s.machineId);
      if (s.id) await this.clearSession(s.machineId, s.epoch);
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
    const session: Session = {
      id: '',
      machineId: machine.id,
      machineName: machine.name,
      epoch: 0,
      sink,
      lastSeen: Date.now(),
      lastPing: Date.now(),
      closed: false,
      queue: Promise.resolve(),
      allowedClis: null,
      throttle: new FrameThrottle(this.frameLimits, Date.now()),
      throttled: false,
      credential: machine.credential ?? null,
    };
    return {
      receive: (raw) => {
        if (session.throttled) return;
        const now = Date.now();
        const verdict = session.throttle.frame(now);
        if (!verdict.ok) return this.throttleClose(session, verdict.reason);
        session.lastSeen = now;
        session.queue = session.queue
          .then(() => this.handle(session, raw))
          .catch((err) =>
            this.log.error({ machine: machine.name, ...errField(err) }, `[fleet] ${machine.name}: a frame failed`),
          );
      },
      closed: () => {
        session.closed = true;
        session.queue = session.queue.then(() => this.detach(session));
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

  private async handle(session: Session, raw: string | Uint8Array): Promise<void> {
    if ((session.closed && !session.id) || this.stopping || session.throttled) return;
    const decoded = decodeFrame(daemonFrameSchema, raw, DAEMON_FRAME_TYPES);
    if (!decoded.ok) {
      this.warn(session, `refused a frame: ${decoded.message}`);
      session.sink.send({ type: 'error', code: decoded.code, message: decoded.message });
      if (decoded.code === 'frame_too_large') session.sink.close(CLOSE_CODES.badFrame, decoded.message.slice(0, 120));
      else this.countRefused(session);
      return;
    }
    const frame = decoded.frame;
    if (frame.type === 'hello') return this.hello(session, frame);
    if (!session.id) {
      session.sink.send({ type: 'error', code: 'not_ready', message: 'send hello first' });
      this.countRefused(session);
      return;
    }
    try {
      await this.onFrame(session, frame);
    } catch (err) {
      if (!(err instanceof RunRefusal)) throw err;
      const runId = 'runId' in frame ? frame.runId : undefined;
      const leaseEpoch = 'leaseEpoch' in frame ? frame.leaseEpoch : undefined;
      session.sink.send({
        type: 'error',
        code: err.code,
        message: err.message,
        ...(runId ? { runId } : {}),
        ...(leaseEpoch ? { leaseEpoch } : {}),
      });
    }
  }

  private async hello(session: Session, hello: Extract<DaemonFrame, { type: 'hello' }>): Promise<void> {
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
    const [current] = await this.deps.db
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
      this.log.warn(
        { machine: session.machineName },
        `[fleet] ${session.machineName}: hello asked for more than allowed (${bounded.trimmed.join('; ')}); kept within the limits`,
      );
    session.allowedClis = current.allowedClis;
    const now = this.deps.clock.now();
    const sessionId = this.deps.ids.uuid();
    const [row] = await this.deps.db.transaction(async (tx) => {
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
          replicaId: this.replicaId,
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
    if (session.closed) return void (await this.clearSession(session.machineId, row!.epoch));
    session.id = sessionId;
    session.epoch = row!.epoch;
    const previous = this.sessions.get(session.machineId);
    if (previous && previous !== session) {
      this.log.warn(
        { machine: session.machineName },
        `[fleet] ${session.machineName}: a new session replaced the open one (epoch ${previous.epoch} → ${session.epoch}); if this keeps happening, two daemons share one credential (cloned?)`,
      );
      previous.closed = true;
      previous.sink.close(CLOSE_CODES.replaced, 'replaced by a newer session of this machine');
    }
    this.sessions.set(session.machineId, session);
    const reconcile = await reconcileHeldRuns(this.deps, session.machineId, hello.running);
    await settleUnreportedRuns(this.deps, session.machineId, hello.running);
    session.sink.send({
      type: 'welcome',
      sessionId,
      machineId: session.machineId,
      heartbeatMs: this.thresholds.heartbeatMs,
      protocol: { min: PROTOCOL_VERSION, max: PROTOCOL_VERSION },
      version: OPENASE_VERSION,
      reconcile,
    });
    this.log.info(
      { machine: session.machineName },
      `[fleet] ${session.machineName} connected (session ${session.epoch}, ${bounded.slots} slot(s), holding ${hello.running.length} run(s))`,
    );
    for (const run of await activeRunsOn(this.deps, session.machineId)) {
      if (run.cancelRequestedAt && run.state !== 'queued')
        session.sink.send({ type: 'run.cancel', runId: run.id, leaseEpoch: run.leaseEpoch, graceMs: 10_000 });
    }
    await this.dispatch(session.machineId);
    await this.agentRuns?.onConnected(session.machineId);
  }

  private async onFrame(session: Session, frame: DaemonFrame): Promise<void> {
    const m = session.machineId;
    switch (frame.type) {
      case 'heartbeat':
        this.history.note(m, this.deps.clock.now(), frame.slotsUsed, frame.load);
        this.heartbeats.record({
          machineId: m,
          seenAt: this.deps.clock.now(),
          slotsUsed: frame.slotsUsed,
          ...(frame.load !== undefined ? { load: frame.load } : {}),
          ...(frame.diskFreeBytes !== undefined ? { diskFreeBytes: frame.diskFreeBytes } : {}),
          ...(frame.clis ? { clis: boundClis({ allowedClis: session.allowedClis }, frame.clis) } : {}),
          ...(frame.commands ? { commands: frame.commands } : {}),
        });
        return;
      case 'run.accept':
        await acceptRun(this.deps, { machineId: m, ...frame });
        return;
      case 'run.started':
        await markStarted(this.deps, { machineId: m, ...frame });
        return;
      case 'run.reject':
        await rejectRun(this.deps, {
          machineId: m,
          ...frame,
          ...(frame.code ? { reason: `${session.machineName}: ${frame.reason}`.slice(0, 1000) } : {}),
        });
        this.log.warn(
          { machine: session.machineName, run: frame.runId },
          `[fleet] ${session.machineName} rejected run ${frame.runId}: ${frame.reason}`,
        );
        return;
      case 'run.events': {
        const result = await this.ingest.submit({
          machineId: m,
          runId: frame.runId,
          leaseEpoch: frame.leaseEpoch,
          events: frame.events,
        });
        if (!result.ok) throw result.refusal;
        session.sink.send({ type: 'run.ack', runId: frame.runId, ackedSeq: result.change.ackedSeq });
        return;
      }
      case 'run.finished': {
        const run = await finishRun(this.deps, { machineId: m, ...frame });
        session.sink.send({ type: 'run.ack', runId: run.id, ackedSeq: run.ackedSeq, closed: true });
        await this.dispatch(m);
        return;
      }
      case 'run.turn':
      case 'run.gate': {
        if (!this.agentRuns) throw new RunRefusal('unknown_run', 'this control plane runs no orchestrator');
        const answer =
          frame.type === 'run.turn' ? await this.agentRuns.onTurn(m, frame) : await this.agentRuns.onGate(m, frame);
        if (answer) session.sink.send(answer);
        return;
      }
      case 'run.approval': {
        // A tools.ask call waits for a person; a resent one that was decided meanwhile is answered at once.
        const decided = await recordApprovalRequest(this.deps, m, frame);
        if (decided) session.sink.send(decided);
        return;
      }
      case 'workspace.removed':
        await this.agentRuns?.onWorkspaceRemoved(m, frame);
        return;
      case 'git.chunk':
        this.git.chunk(m, frame);
        return;
      case 'git.reply':
        this.git.reply(m, frame);
        return;
      case 'error':
        this.warn(
          session,
          `reported an error${frame.runId ? ` on run ${frame.runId}` : ''}: ${frame.code}: ${frame.message}`,
          frame.runId ? { run: frame.runId } : {},
        );
        return;
      case 'hello':
        return;
    }
  }

  /** A warning about what a connection sent, within its log budget (a flood writes a few lines, not thousands). */
  private warn(session: Session, message: string, fields: Record<string, unknown> = {}): void {
    const may = session.throttle.mayLog(Date.now());
    if (!may) return;
    const note = may.suppressed ? ` (${may.suppressed} similar line(s) suppressed)` : '';
    this.log.warn({ machine: session.machineName, ...fields }, `[fleet] ${session.machineName}: ${message}${note}`);
  }

  private countRefused(session: Session): void {
    const verdict = session.throttle.refusedFrame(Date.now());
    if (!verdict.ok) this.throttleClose(session, verdict.reason);
  }

  /** Closes a connection over a limit (4429): its queued and later frames are dropped. */
  private throttleClose(session: Session, reason: string): void {
    if (session.throttled) return;
    session.throttled = true;
    this.log.warn(
      { machine: session.machineName },
      `[fleet] ${session.machineName}: disconnected for flooding: ${reason}; it may reconnect after its backoff`,
    );
    session.sink.send({ type: 'error', code: 'rate_limited', message: `disconnected: ${reason}` });
    session.sink.close(CLOSE_CODES.rateLimited, 'frame rate limit exceeded');
  }

  private async detach(session: Session): Promise<void> {
    if (!session.id || this.stopped) return;
    if (this.sessions.get(session.machineId) === session) {
      this.sessions.delete(session.machineId);
      this.git.dropMachine(session.machineId);
      this.heartbeats.forget(session.machineId);
    }
    await this.clearSession(session.machineId, session.epoch);
    this.log.info(
      { machine: session.machineName },
      `[fleet] ${session.machineName} disconnected (session ${session.epoch})`,
    );
  }

  /** Clears the machine's session only if it is still this epoch: a newer session stays. */
  private async clearSession(machineId: string, epoch: number): Promise<void> {
    await this.deps.db
      .update(machines)
      .set({ sessionId: null, disconnectedAt: this.deps.clock.now() })
      .where(and(eq(machines.id, machineId), eq(machines.sessionEpoch, epoch)));
  }

  /** Liveness and offer timeouts. Safe to run often; one pass at a time. */
  async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      const now = Date.now();
      for (const s of this.sessions.values()) {
        if (now - s.lastSeen > this.thresholds.disconnectAfterMs) {
          this.log.warn(
            { machine: s.machineName },
            `[fleet] ${s.machineName}: silent for ${Math.round((now - s.lastSeen) / 1000)} s; closing the session`,
          );
          s.sink.close(4408, 'no heartbeat');
        } else if (now - s.lastPing >= this.thresholds.heartbeatMs) {
          s.lastPing = now;
          s.sink.ping?.();
        }
      }
      const withdrawn = await withdrawExpiredOffers(this.deps);
      if (withdrawn.length) {
        const rows = await this.deps.db
          .select({ machineId: runs.machineId })
          .from(runs)
          .where(or(...withdrawn.map((id) => eq(runs.id, id))));
        for (const machineId of new Set(rows.map((r) => r.machineId))) if (machineId) await this.dispatch(machineId);
      }
      await this.closeEndedCredentials();
      await this.failLostMachines();
    } catch (err) {
      this.log.error(errField(err), `[fleet] sweep failed: ${(err as Error).message}`);
    } finally {
      this.sweeping = false;
    }
  }

  private credentialsCheckedAt = 0;

  /**
   * Sessions whose credential expired or was revoked (here or on another replica) are closed with
   * 4401: a credential's end ends the session it opened, not only the next connection.
   */
  private async closeEndedCredentials(): Promise<void> {
    const now = Date.now();
    const open = [...this.sessions.values()].filter((s) => s.credential && !s.closed);
    for (const s of open)
      if (s.credential!.expiresAt && s.credential!.expiresAt.getTime() <= this.deps.clock.now().getTime())
        this.endSession(s, `the credential of machine ${s.machineName} expired; join again with a new join token`);
    if (now - this.credentialsCheckedAt < this.thresholds.heartbeatMs) return;
    this.credentialsCheckedAt = now;
    const ids = open.filter((s) => !s.closed).map((s) => s.credential!.id);
    if (!ids.length) return;
    const revoked = await this.deps.db
      .select({ id: machineCredentials.id })
      .from(machineCredentials)
      .where(and(inArray(machineCredentials.id, ids), isNotNull(machineCredentials.revokedAt)));
    const gone = new Set(revoked.map((r) => r.id));
    for (const s of open)
      if (!s.closed && gone.has(s.credential!.id))
        this.endSession(s, `machine ${s.machineName} has been revoked; join again with a new join token`);
  }

  private endSession(s: Session, message: string): void {
    this.log.warn({ machine: s.machineName }, `[fleet] ${s.machineName}: ${message}; closing the session`);
    s.sink.send({ type: 'error', code: 'revoked', message });
    s.closed = true;
    s.sink.close(CLOSE_CODES.revoked, message.slice(0, 120));
  }

  /** Runs left on revoked machines (e.g. placed while the revocation committed) end too. */
  private async endRunsOfRevokedMachines(): Promise<void> {
    const left = await this.deps.db
      .selectDistinct({ id: machines.id, name: machines.name })
      .from(machines)
      .innerJoin(runs, eq(runs.machineId, machines.id))
      .where(and(isNotNull(machines.revokedAt), inArray(runs.state, [...ACTIVE_RUN_STATES])));
    for (const m of left)
      await failRunsOfLostMachine(this.deps, m.id, `machine ${m.name} was revoked`, { revoked: true });
  }

  private async failLostMachines(): Promise<void> {
    await this.endRunsOfRevokedMachines();
    const since = new Date(Math.max(this.deps.clock.now().getTime() - this.thresholds.lostAfterMs, 0));
    if (this.startedAt > since) return; // grace after a restart: give daemons time to come back
    const rows = await this.deps.db
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
    const gone = rows.filter((m) => !this.sessions.has(m.id));
    for (const m of gone) {
      this.lostListener?.({ ...m, disconnectedAt: m.disconnectedAt! });
      const n = await failRunsOfLostMachine(
        this.deps,
        m.id,
        `machine ${m.name} lost: silent for more than ${Math.round(this.thresholds.lostAfterMs / 1000)} s`,
      );
      if (n) this.log.warn({ machine: m.name }, `[fleet] ${m.name} is lost; ${n} run(s) marked lost`);
    }
  }
}
