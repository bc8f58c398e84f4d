/**
 * Sending a held run's spooled events to the control plane: in batches (each ≤ 64 KiB, at most 20 000 events
 * beyond the acked seq in flight), then `run.finished` once every event is acked.
 */
import type { SequencedRunEvent } from '@openase/shared/events/run-events';
import type { DaemonFrame } from '@openase/shared/protocol/messages';
import type { HeldRun } from './held-run.js';

const BATCH_BYTES = 64 * 1024;
const MAX_IN_FLIGHT = 20_000;

/**
 * Sends the run's spooled events not yet sent (from the acked seq with `resend`, after a reconnect), then its
 * finish, once per connection (`finishSent` holds the runs whose finish was sent on it).
 */
export function sendSpooledEvents(
  handle: HeldRun,
  send: (frame: DaemonFrame) => void,
  finishSent: Set<string>,
  resend: boolean,
): void {
  if (resend) handle.sentSeq = handle.ackedSeq;
  let batch: SequencedRunEvent[] = [];
  let size = 0;
  const sendBatch = () => {
    if (!batch.length) return;
    send({ type: 'run.events', runId: handle.runId, leaseEpoch: handle.state.leaseEpoch, events: batch });
    handle.sentSeq = batch[batch.length - 1]!.seq;
    batch = [];
    size = 0;
  };
  for (const e of handle.spool.unacked) {
    if (e.seq <= handle.sentSeq) continue;
    if (e.seq > handle.ackedSeq + MAX_IN_FLIGHT) break;
    const n = JSON.stringify(e).length;
    if (size + n > BATCH_BYTES) sendBatch();
    batch.push(e);
    size += n;
  }
  sendBatch();
  const end = handle.state.end;
  if (end && handle.ackedSeq >= end.lastSeq && !finishSent.has(handle.runId)) {
    finishSent.add(handle.runId);
    send({
      type: 'run.finished',
      runId: handle.runId,
      leaseEpoch: handle.state.leaseEpoch,
      lastSeq: end.lastSeq,
      exitCode: end.exitCode,
      signal: end.signal,
      ...(end.reason ? { reason: end.reason } : {}),
    });
  }
}
