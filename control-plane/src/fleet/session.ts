/**
 * One machine's live session on this replica (fleet/hub.ts): its transport, liveness clocks, frame
 * queue and limits, and the database row it holds (machines.session_id, session_epoch).
 */
import { and, eq, isNotNull } from 'drizzle-orm';
import { CLOSE_CODES, type ControlFrame, type DaemonFrame, type Decoded } from '@openase/shared';
import { machines } from '../db/schema.js';
import type { Deps } from '../kernel/context.js';
import type { Logger } from '../kernel/logger.js';
import type { SessionCredential } from './join.js';
import { FrameThrottle, type FrameLimits } from './frame-throttle.js';

export interface FrameSink {
  send(frame: ControlFrame): void;
  close(code: number, reason: string): void;
  /** Transport-level liveness probe (WebSocket ping); absent = rely on heartbeats. */
  ping?(): void;
  /** Drops the connection at once, without the closing handshake a silent peer never answers. */
  terminate?(): void;
  /** For metrics: a daemon's WebSocket, or JSON lines over a child's stdio or an SSH channel. */
  transport?: 'websocket' | 'lines';
  /** Stop reading the daemon's frames for now (TCP pushes back on it); absent = the transport cannot. */
  pause?(): void;
  resume?(): void;
}

/**
 * Backpressure: a session with this many frames received and not yet handled stops reading its transport, and
 * reads again once it is down to RESUME_AT. Without it a daemon (or many) sending faster than events are stored
 * grows the control plane's memory without bound (10,000 simulated daemons: 2.3 GiB, docs/performance.md).
 */
export const PAUSE_AT = 64;
export const RESUME_AT = 16;

/** A frame received and not yet handled; `decoded` once an earlier frame's step looked ahead at it. */
export interface InboxFrame {
  raw: string | Uint8Array;
  decoded?: Decoded<DaemonFrame>;
}

export interface Session {
  id: string;
  machineId: string;
  machineName: string;
  epoch: number;
  sink: FrameSink;
  lastSeen: number;
  lastPing: number;
  closed: boolean;
  /** Frames are handled one at a time, in arrival order: `queue` chains one step per frame received, each step
   * takes the inbox's first frame (daemon-frames.ts; a step finds it empty when an earlier step took its frame
   * into a batch). */
  queue: Promise<void>;
  inbox: InboxFrame[];
  /** The session's event stores in flight, oldest first, each settling once answered (daemon-frames.ts: acks and
   * refusals go out in the order the stores were submitted, so the newest settles last). */
  stores: Promise<void>[];
  /** Frames received and not yet handled; whether the transport is paused for it (PAUSE_AT). */
  pending: number;
  paused: boolean;
  /** CLIs the machine may offer (join token); null = any. */
  allowedClis: string[] | null;
  throttle: FrameThrottle;
  /** The machine credential it authenticated with (WebSocket); none for local and SSH sessions. */
  credential: SessionCredential | null;
  /** Closed for exceeding a limit: everything it still sends is dropped unread. */
  throttled: boolean;
}

/** Settles once every event store the session has submitted so far has been answered. */
export function storesAnswered(s: Session): Promise<void> {
  return s.stores.at(-1) ?? Promise.resolve();
}

/** A frame was received and queued: at PAUSE_AT not yet handled, the transport stops being read. */
export function frameQueued(s: Session): void {
  if (++s.pending >= PAUSE_AT && !s.paused && s.sink.pause) {
    s.paused = true;
    s.sink.pause();
  }
}

/** A queued frame was handled: down to RESUME_AT, a paused transport is read again. */
export function frameHandled(s: Session): void {
  if (--s.pending <= RESUME_AT && s.paused) {
    s.paused = false;
    s.sink.resume?.();
  }
}

/** A session of a transport just opened: it has no id until the daemon's hello is welcomed. */
export function newSession(
  machine: { id: string; name: string; credential?: SessionCredential },
  sink: FrameSink,
  frameLimits: FrameLimits,
): Session {
  return {
    id: '',
    machineId: machine.id,
    machineName: machine.name,
    epoch: 0,
    sink,
    lastSeen: Date.now(),
    lastPing: Date.now(),
    closed: false,
    queue: Promise.resolve(),
    inbox: [],
    stores: [],
    pending: 0,
    paused: false,
    allowedClis: null,
    throttle: new FrameThrottle(frameLimits, Date.now()),
    throttled: false,
    credential: machine.credential ?? null,
  };
}

/** A warning about what a connection sent, within its log budget (a flood writes a few lines, not thousands). */
export function warnSession(
  log: Logger,
  session: Session,
  message: string,
  fields: Record<string, unknown> = {},
): void {
  const may = session.throttle.mayLog(Date.now());
  if (!may) return;
  const note = may.suppressed ? ` (${may.suppressed} similar line(s) suppressed)` : '';
  log.warn({ machine: session.machineName, ...fields }, `[fleet] ${session.machineName}: ${message}${note}`);
}

export function countRefused(log: Logger, session: Session): void {
  const verdict = session.throttle.refusedFrame(Date.now());
  if (!verdict.ok) throttleClose(log, session, verdict.reason);
}

/** Closes a connection over a limit (4429): its queued and later frames are dropped. */
export function throttleClose(log: Logger, session: Session, reason: string): void {
  if (session.throttled) return;
  session.throttled = true;
  log.warn(
    { machine: session.machineName },
    `[fleet] ${session.machineName}: disconnected for flooding: ${reason}; it may reconnect after its backoff`,
  );
  session.sink.send({ type: 'error', code: 'rate_limited', message: `disconnected: ${reason}` });
  session.sink.close(CLOSE_CODES.rateLimited, 'frame rate limit exceeded');
}

/** Closes a session whose machine or credential ended (4401): the daemon stops retrying. */
export function endSession(log: Logger, s: Session, message: string): void {
  log.warn({ machine: s.machineName }, `[fleet] ${s.machineName}: ${message}; closing the session`);
  s.sink.send({ type: 'error', code: 'revoked', message });
  s.closed = true;
  s.sink.close(CLOSE_CODES.revoked, message.slice(0, 120));
}

/** Clears the sessions this replica (or, when it is the sole replica, any) held before a restart. */
export async function clearStaleSessions(deps: Deps, replicaId: string, soleReplica: boolean): Promise<void> {
  const now = deps.clock.now();
  await deps.db
    .update(machines)
    .set({ sessionId: null, replicaId: null, disconnectedAt: now })
    .where(
      soleReplica
        ? isNotNull(machines.sessionId)
        : and(isNotNull(machines.sessionId), eq(machines.replicaId, replicaId)),
    );
}

/** Clears the machine's session only if it is still this epoch: a newer session stays. */
export async function clearSession(deps: Deps, machineId: string, epoch: number): Promise<void> {
  await deps.db
    .update(machines)
    .set({ sessionId: null, disconnectedAt: deps.clock.now() })
    .where(and(eq(machines.id, machineId), eq(machines.sessionEpoch, epoch)));
}
