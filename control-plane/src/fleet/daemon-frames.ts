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
import { errField } from '../kernel/logger.js';
import { boundClis } from './join.js';
import { mayNeedMending } from '../runs/ingest.js';
import { countRefused, storesAnswered, warnSession, type InboxFrame, type Session } from './session.js';
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
 * Run events a session has queued, stored together: the `run.events` frames queued right after one, of any run, go
 * into one store (the frames of one run and lease joined into one batch) with an ack per run. Stored one frame at a
 * time, each waiting for the store of the one before, a daemon with several runs got one frame stored per
 * transaction (what bounded a fleet's ingest: docs/performance.md).
 */
const MAX_JOINED_EVENTS = 2_000;
/**
 * A session's next frames do not wait for its event stores to commit: up to this many stores are in flight (the
 * ingest queue joins them with every other session's into its transactions), and only then does the session wait
 * for its oldest. Waiting for each store before reading on made every event wait for the transaction before its
 * own, about doubling emit → SSE under load (docs/performance.md). Any other frame waits for every store in flight,
 * so a run's `run.finished` still follows its events, and the answers go out in the order the stores were
 * submitted.
 */
const MAX_STORES_IN_FLIGHT = 4;

/**
 * A frame just received, to queue for `receiveNext`. A welcomed session's frame is decoded now, and the events of a
 * `run.events` frame go out on the bus's live tail at once, ahead of their store (runs/stream.ts yields them to a
 * run's viewers only when this machine and lease hold the run); not those whose text would be mended for
 * PostgreSQL, so a viewer never sees other text than is stored.
 */
export function received(ctx: DaemonFrameContext, session: Session, raw: string | Uint8Array): InboxFrame {
  if (!session.id || session.closed) return { raw };
  const decoded = decodeDaemonFrame(raw);
  if (decoded.ok && decoded.frame.type === 'run.events' && !mayNeedMending(raw)) {
    const { runId, leaseEpoch, events } = decoded.frame;
    ctx.deps.bus.publishLive({ machineId: session.machineId, runId, leaseEpoch, events });
  }
  return { raw, decoded };
}

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
  const frame = decoded.frame;
  if (frame.type !== 'run.events') await storesAnswered(session);
  try {
    await onFrame(ctx, session, frame);
  } catch (err) {
    if (!(err instanceof RunRefusal)) throw err;
    replyRefusal(session, err, frame);
  }
}

function replyRefusal(session: Session, err: RunRefusal, frame: DaemonFrame): void {
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

const decodeDaemonFrame = (raw: string | Uint8Array) => decodeFrame(daemonFrameSchema, raw, DAEMON_FRAME_TYPES);

type EventsFrame = Extract<DaemonFrame, { type: 'run.events' }>;

/**
 * Submits `first` with the `run.events` frames queued right after it for storing; their acks (or refusals), one per
 * run, are sent once stored, after those of the session's earlier stores. Returns once the session may read on.
 */
async function storeQueuedEvents(ctx: DaemonFrameContext, session: Session, first: EventsFrame): Promise<void> {
  // Per run and lease, the first frame and the events of those joined to it (copied together only if any are).
  const batches = new Map<string, { frame: EventsFrame; parts: EventsFrame['events'][] }>();
  let total = 0;
  const add = (frame: EventsFrame) => {
    const key = `${frame.runId}/${frame.leaseEpoch}`;
    const batch = batches.get(key);
    if (batch) batch.parts.push(frame.events);
    else batches.set(key, { frame, parts: [frame.events] });
    total += frame.events.length;
  };
  add(first);
  for (let next = session.inbox[0]; next; next = session.inbox[0]) {
    const decoded = (next.decoded ??= decodeDaemonFrame(next.raw));
    if (!decoded.ok || decoded.frame.type !== 'run.events') break;
    if (total + decoded.frame.events.length > MAX_JOINED_EVENTS) break;
    add(decoded.frame);
    session.inbox.shift();
  }
  // Submitted together, so the ingest queue writes them in one transaction.
  const stored = Promise.all(
    [...batches.values()].map(async ({ frame, parts }) => {
      const { runId, leaseEpoch } = frame;
      const events = parts.length === 1 ? parts[0]! : parts.flat();
      return { frame, result: await ctx.ingest.submit({ machineId: session.machineId, runId, leaseEpoch, events }) };
    }),
  );
  const earlier = storesAnswered(session);
  const answered = (async () => {
    const results = await stored;
    await earlier;
    for (const { frame, result } of results) {
      if (result.ok) session.sink.send({ type: 'run.ack', runId: frame.runId, ackedSeq: result.change.ackedSeq });
      else replyRefusal(session, result.refusal, frame);
    }
  })();
  // A failed store (the database, not a refusal) is logged; the daemon sends those events again, unacked.
  const settled = answered.catch((err: Error) =>
    ctx.log.error({ machine: session.machineName, ...errField(err) }, `[fleet] ${session.machineName}: a frame failed`),
  );
  session.stores.push(settled);
  void settled.then(() => session.stores.shift()); // they settle in the order submitted
  if (session.stores.length >= MAX_STORES_IN_FLIGHT) await session.stores[0];
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
    case 'run.events':
      // Joined only here, once welcomed: before, each frame is a refusal of its own (counted towards closing it).
      return storeQueuedEvents(ctx, session, frame);
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
