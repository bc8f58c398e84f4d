/**
 * The frames a daemon sends on its session, one at a time: decoded (a bad one refused and counted),
 * the hello welcomed (session-hello.ts), and the rest (heartbeats, run frames, git replies) handled;
 * a run refusal is answered with an error frame naming the run.
 */
import { CLOSE_CODES, DAEMON_FRAME_TYPES, daemonFrameSchema, decodeFrame, type DaemonFrame } from '@openase/shared';
import { acceptRun, finishRun, markStarted, rejectRun, RunRefusal } from '../runs/lifecycle.js';
import type { EventIngestQueue } from '../runs/ingest-queue.js';
import { recordApprovalRequest } from '../orchestrator/approvals.js';
import type { HeartbeatWriter } from './heartbeats.js';
import type { MachineHistoryWriter } from './machine-history.js';
import type { GitRequests } from './git-requests.js';
import { boundClis } from './join.js';
import { countRefused, warnSession, type Session } from './session.js';
import { welcomeHello, type HelloContext } from './session-hello.js';

/** What handling a daemon's frames needs of the hub. */
export interface DaemonFrameContext extends HelloContext {
  ingest: EventIngestQueue;
  heartbeats: HeartbeatWriter;
  history: MachineHistoryWriter;
  git: GitRequests;
  /** The hub is stopping: frames still queued are dropped. */
  stopping(): boolean;
}

/**
 * Run events taken into one batch when a session has several `run.events` frames of the same run queued (a daemon
 * sending faster than one batch's store): one store and one ack for them all, instead of one store per frame, each
 * waiting for the one before (what bounded a fleet's ingest: docs/performance.md).
 */
const MAX_JOINED_EVENTS = 2_000;

/** Handles the session's next queued frame, if an earlier step did not already take it into a batch. */
export async function receiveNext(ctx: DaemonFrameContext, session: Session): Promise<void> {
  const next = session.inbox.shift();
  if (!next) return;
  if ((session.closed && !session.id) || ctx.stopping() || session.throttled) return;
  const decoded = next.decoded ?? decodeDaemonFrame(next.raw);
  if (!decoded.ok) {
    warnSession(ctx.log, session, `refused a frame: ${decoded.message}`);
    session.sink.send({ type: 'error', code: decoded.code, message: decoded.message });
    if (decoded.code === 'frame_too_large') session.sink.close(CLOSE_CODES.badFrame, decoded.message.slice(0, 120));
    else countRefused(ctx.log, session);
    return;
  }
  if (decoded.frame.type === 'hello') return welcomeHello(ctx, session, decoded.frame);
  if (!session.id) {
    session.sink.send({ type: 'error', code: 'not_ready', message: 'send hello first' });
    countRefused(ctx.log, session);
    return;
  }
  // Joined only once welcomed: before, each frame is a refusal of its own (counted towards closing the session).
  const frame = decoded.frame.type === 'run.events' ? withQueuedEvents(session, decoded.frame) : decoded.frame;
  try {
    await onFrame(ctx, session, frame);
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

const decodeDaemonFrame = (raw: string | Uint8Array) => decodeFrame(daemonFrameSchema, raw, DAEMON_FRAME_TYPES);

type EventsFrame = Extract<DaemonFrame, { type: 'run.events' }>;

/** The frame's events followed by those of the `run.events` frames of the same run and lease queued right after it. */
function withQueuedEvents(session: Session, frame: EventsFrame): EventsFrame {
  const joined: EventsFrame['events'] = [];
  for (let next = session.inbox[0]; next; next = session.inbox[0]) {
    const decoded = (next.decoded ??= decodeDaemonFrame(next.raw));
    if (!decoded.ok || decoded.frame.type !== 'run.events') break;
    const more = decoded.frame;
    if (more.runId !== frame.runId || more.leaseEpoch !== frame.leaseEpoch) break;
    if (frame.events.length + joined.length + more.events.length > MAX_JOINED_EVENTS) break;
    joined.push(...more.events);
    session.inbox.shift();
  }
  return joined.length ? { ...frame, events: [...frame.events, ...joined] } : frame;
}

async function onFrame(ctx: DaemonFrameContext, session: Session, frame: DaemonFrame): Promise<void> {
  const { deps } = ctx;
  const m = session.machineId;
  switch (frame.type) {
    case 'heartbeat':
      ctx.history.note(m, deps.clock.now(), frame.slotsUsed, frame.load);
      ctx.heartbeats.record({
        machineId: m,
        seenAt: deps.clock.now(),
        slotsUsed: frame.slotsUsed,
        ...(frame.load !== undefined ? { load: frame.load } : {}),
        ...(frame.diskFreeBytes !== undefined ? { diskFreeBytes: frame.diskFreeBytes } : {}),
        ...(frame.clis ? { clis: boundClis({ allowedClis: session.allowedClis }, frame.clis) } : {}),
        ...(frame.commands ? { commands: frame.commands } : {}),
      });
      return;
    case 'run.accept':
      await acceptRun(deps, { machineId: m, ...frame });
      return;
    case 'run.started':
      await markStarted(deps, { machineId: m, ...frame });
      return;
    case 'run.reject':
      await rejectRun(deps, {
        machineId: m,
        ...frame,
        ...(frame.code ? { reason: `${session.machineName}: ${frame.reason}`.slice(0, 1000) } : {}),
      });
      ctx.log.warn(
        { machine: session.machineName, run: frame.runId },
        `[fleet] ${session.machineName} rejected run ${frame.runId}: ${frame.reason}`,
      );
      return;
    case 'run.events': {
      const result = await ctx.ingest.submit({
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
      const run = await finishRun(deps, { machineId: m, ...frame });
      session.sink.send({ type: 'run.ack', runId: run.id, ackedSeq: run.ackedSeq, closed: true });
      await ctx.dispatch(m);
      return;
    }
    case 'run.turn':
    case 'run.gate': {
      const agentRuns = ctx.agentRuns();
      if (!agentRuns) throw new RunRefusal('unknown_run', 'this control plane runs no orchestrator');
      const answer = frame.type === 'run.turn' ? await agentRuns.onTurn(m, frame) : await agentRuns.onGate(m, frame);
      if (answer) session.sink.send(answer);
      return;
    }
    case 'run.approval': {
      // A tools.ask call waits for a person; a resent one that was decided meanwhile is answered at once.
      const decided = await recordApprovalRequest(deps, m, frame);
      if (decided) session.sink.send(decided);
      return;
    }
    case 'workspace.removed':
      await ctx.agentRuns()?.onWorkspaceRemoved(m, frame);
      return;
    case 'git.chunk':
      ctx.git.chunk(m, frame);
      return;
    case 'git.reply':
      ctx.git.reply(m, frame);
      return;
    case 'error':
      warnSession(
        ctx.log,
        session,
        `reported an error${frame.runId ? ` on run ${frame.runId}` : ''}: ${frame.code}: ${frame.message}`,
        frame.runId ? { run: frame.runId } : {},
      );
      return;
    case 'hello':
      return;
  }
}
