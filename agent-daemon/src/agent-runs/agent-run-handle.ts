/**
 * One agent run as the daemon holds it, in `<home>/runs/<runId>/` like a command run: `spec.json`,
 * `state.json` (kind `agent`) and the same durable event spool, so the daemon sends, acknowledges
 * and finishes it exactly like a command run (one event pipeline). It is also the supervisor's
 * port to the control plane: the turn handshake (`run.turn` / `run.gate` wait for `run.next`),
 * resent after a reconnect until answered.
 *
 * A daemon restart cannot re-attach an agent run: the CLI's pipes died with the old daemon. The
 * restarted daemon reports such a run as ended (exit code null, reason `daemon_restarted`) with an
 * error event naming the CLI session id; the control plane retries the ticket and resumes that session.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { RunEvent } from '@openase/shared/events/run-events';
import type {
  AgentJobSpec,
  RunApprovalFrame,
  RunDecisionFrame,
  RunGateFrame,
  RunNextFrame,
  RunTurnFrame,
} from '@openase/shared/protocol/agent-run';
import type { DaemonFrame } from '@openase/shared/protocol/messages';
import type { ApprovalAnswer, ApprovalAsk } from '../adapters/common/approvals.js';
import type { HeldRun, RunEnd } from '../runs/held-run.js';
import { Spool, type SpoolLimits } from '../runs/spool.js';

export interface AgentRunState {
  kind: 'agent';
  runId: string;
  leaseEpoch: number;
  createdAt: number;
  ticket: string;
  /** The CLI's session id once known: a run cut short by a daemon restart is resumed with it. */
  sessionId?: string;
  stopReason?: AgentStopReason | null;
  end?: RunEnd | null;
}

export interface AgentRunLink {
  /** Sends a frame if the connection is welcomed (otherwise it is resent on the next welcome). */
  send(frame: DaemonFrame): void;
  /** Sends spooled events now (before a frame that refers to them). */
  flush(): void;
  log(line: string): void;
}

type Question =
  | (Omit<RunTurnFrame, 'type' | 'runId' | 'leaseEpoch' | 'lastSeq' | 'deniedTools'> & {
      type: 'run.turn';
      deniedTools?: string[];
    })
  | Omit<RunGateFrame, 'runId' | 'leaseEpoch'>;

export const DAEMON_RESTARTED = 'daemon_restarted';
/** The run's end reason when the daemon was stopped (SIGTERM, SIGINT) and stopped its agents. */
export const DAEMON_STOPPED = 'the daemon on this machine was stopped; the agent was stopped with it';
/** Why an agent run was stopped: a cancel, its deadline, or the daemon stopping (Daemon.shutdown). */
export type AgentStopReason = 'canceled' | 'timeout' | 'daemon_stopped';

const NOT_KEPT = '(not kept on disk)';

/**
 * The spec as written to the run folder: the run token and the agent's env values (its decrypted
 * secrets) are not kept on disk; they reach the CLI only through its environment.
 */
export function redactSpec(spec: AgentJobSpec): AgentJobSpec {
  return {
    ...spec,
    platform: { ...spec.platform, token: NOT_KEPT },
    ...(spec.agent
      ? {
          agent: {
            ...spec.agent,
            env: Object.fromEntries(Object.keys(spec.agent.env ?? {}).map((k) => [k, NOT_KEPT])),
          },
        }
      : {}),
  };
}

export class AgentRunHandle implements HeldRun {
  sentSeq = 0;
  ackedSeq = 0;
  spool: Spool;
  private dirty = false;
  private discarded = false;
  private question: { frame: RunTurnFrame | RunGateFrame; resolve: (next: RunNextFrame | null) => void } | null = null;
  private readonly stopListeners: Array<(graceMs: number) => void> = [];
  private readonly abandonListeners: Array<() => void> = [];
  private readonly interruptListeners: Array<() => void> = [];
  /** Tool calls waiting for a person (`run.approval` sent, resent on every welcome until decided). */
  private readonly approvals = new Map<string, { frame: RunApprovalFrame; resolve: (a: ApprovalAnswer) => void }>();

  private constructor(
    readonly dir: string,
    readonly state: AgentRunState,
    private readonly limits: SpoolLimits,
    private readonly link: AgentRunLink | null,
  ) {
    this.spool = Spool.open(path.join(dir, 'spool.jsonl'), limits);
  }

  static create(
    runsDir: string,
    runId: string,
    leaseEpoch: number,
    spec: AgentJobSpec,
    limits: SpoolLimits,
    link: AgentRunLink,
  ): AgentRunHandle {
    const dir = path.join(runsDir, runId);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(path.join(dir, 'spec.json'), JSON.stringify(redactSpec(spec)), { mode: 0o600 });
    const handle = new AgentRunHandle(
      dir,
      { kind: 'agent', runId, leaseEpoch, createdAt: Date.now(), ticket: spec.ticket.identifier },
      limits,
      link,
    );
    handle.saveState();
    return handle;
  }

  /** Re-opens an agent run left by an earlier daemon (null for other folders); an unfinished one is ended. */
  static reopen(dir: string, limits: SpoolLimits): AgentRunHandle | null {
    let state: AgentRunState;
    try {
      state = JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')) as AgentRunState;
    } catch {
      return null;
    }
    if (state.kind !== 'agent') return null;
    const handle = new AgentRunHandle(dir, state, limits, null);
    if (!state.end) {
      const resume = state.sessionId ? ` The ticket's next run can resume the CLI session ${state.sessionId}.` : '';
      handle.emit({
        type: 'error',
        fatal: true,
        code: DAEMON_RESTARTED,
        message: `the daemon restarted during this agent run; the agent CLI cannot be re-attached (its pipes are gone), so the run ends here.${resume}`,
      });
      handle.end({ exitCode: null, reason: DAEMON_RESTARTED });
    }
    return handle;
  }

  get runId(): string {
    return this.state.runId;
  }
  get leaseEpoch(): number {
    return this.state.leaseEpoch;
  }
  get finished(): boolean {
    return !!this.state.end;
  }
  get stopReason(): AgentStopReason | null {
    return this.state.stopReason ?? null;
  }

  saveState(): void {
    const file = path.join(this.dir, 'state.json');
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(this.state));
    fs.renameSync(`${file}.tmp`, file);
  }

  /** Spools one event (durably, before it is sent). */
  emit(event: RunEvent): void {
    if (this.discarded || this.finished) return;
    this.spool.append([{ event, o: this.spool.cursor.o }], { force: event.type === 'error' });
    this.dirty = true;
  }

  poll(): boolean {
    const dirty = this.dirty;
    this.dirty = false;
    return dirty;
  }

  started(): void {
    this.link?.send({ type: 'run.started', runId: this.runId, leaseEpoch: this.leaseEpoch, pid: process.pid });
  }

  rememberSession(sessionId: string | undefined): void {
    if (!sessionId || sessionId === this.state.sessionId) return;
    this.state.sessionId = sessionId;
    this.saveState();
  }

  /**
   * Sends `run.turn` or `run.gate` (after every event so far) and waits for the `run.next` that
   * answers it; null when the run was stopped meanwhile.
   */
  ask(question: Question): Promise<RunNextFrame | null> {
    if (this.stopReason || this.discarded) return Promise.resolve(null);
    this.link?.flush();
    const frame =
      question.type === 'run.turn'
        ? {
            ...question,
            deniedTools: question.deniedTools ?? [],
            runId: this.runId,
            leaseEpoch: this.leaseEpoch,
            lastSeq: this.spool.lastSeq,
          }
        : { ...question, runId: this.runId, leaseEpoch: this.leaseEpoch };
    return new Promise((resolve) => {
      this.question = { frame, resolve };
      this.link?.send(frame);
    });
  }

  /**
   * A `run.next` from the control plane. Answers are idempotent and may repeat (a resent question
   * is answered again): one that answers no open question is ignored. While a gate waits, a
   * `finish` can only be a repeated answer to the turn before it, so it is ignored too.
   */
  answer(next: RunNextFrame): boolean {
    const q = this.question;
    if (!q || q.frame.turn !== next.turn || (q.frame.type === 'run.gate' && next.action === 'finish')) {
      this.link?.log(
        `run ${this.runId}: ignoring run.next ${next.action} for turn ${next.turn} (no open question for it)`,
      );
      return false;
    }
    this.question = null;
    q.resolve(next);
    return true;
  }

  welcomed(): void {
    if (this.question) this.link?.send(this.question.frame);
    for (const { frame } of this.approvals.values()) this.link?.send(frame);
  }

  /** Asks the control plane for a person's decision on a `tools.ask` call; resolves when it comes (run.decision). */
  requestApproval(ask: ApprovalAsk): Promise<ApprovalAnswer> {
    if (this.stopReason || this.discarded || this.finished)
      return Promise.resolve({ approve: false, by: 'OpenASE', reason: 'the run is stopping' });
    this.link?.flush();
    const frame: RunApprovalFrame = {
      type: 'run.approval',
      runId: this.runId,
      leaseEpoch: this.leaseEpoch,
      approvalId: ask.id,
      tool: ask.tool,
      detail: ask.detail,
      rule: ask.rule,
    };
    return new Promise((resolve) => {
      this.approvals.set(ask.id, { frame, resolve });
      this.link?.send(frame);
    });
  }

  /** A `run.decision`; one for no waiting call (a repeat, or after a stop) is ignored. */
  decide(decision: RunDecisionFrame): boolean {
    const waiting = this.approvals.get(decision.approvalId);
    if (!waiting) return false;
    this.approvals.delete(decision.approvalId);
    waiting.resolve({
      approve: decision.approve,
      by: decision.by,
      ...(decision.reason ? { reason: decision.reason } : {}),
    });
    return true;
  }

  onInterrupt(listener: () => void): void {
    this.interruptListeners.push(listener);
  }

  /**
   * Stops the agent's current turn only (`run.interrupt`): the turn ends failed and the run asks what next as usual.
   */
  interrupt(): void {
    if (this.finished || this.stopReason) return;
    for (const listener of this.interruptListeners) listener();
  }

  onStop(listener: (graceMs: number) => void): void {
    this.stopListeners.push(listener);
  }

  stop(reason: AgentStopReason, graceMs: number): void {
    if (this.finished || this.stopReason) return;
    this.state.stopReason = reason;
    this.saveState();
    const q = this.question;
    this.question = null;
    q?.resolve(null);
    for (const [id, waiting] of this.approvals) {
      this.approvals.delete(id);
      waiting.resolve({ approve: false, by: 'OpenASE', reason: `the run was stopped (${reason})` });
    }
    for (const listener of this.stopListeners) listener(graceMs);
  }

  /** Records the run's end; the daemon sends `run.finished` once every event is acknowledged. */
  end(result: { exitCode: number | null; reason?: string }): void {
    if (this.finished || this.discarded) return;
    const dropped = this.spool.cursor.d;
    if (dropped.events > 0) {
      const message = `the run exceeded its event cap: ${dropped.events} event(s) (${dropped.bytes} bytes) after the cap were not kept`;
      this.spool.append(
        [
          {
            event: { type: 'truncation', droppedEvents: dropped.events, droppedBytes: dropped.bytes, message },
            o: this.spool.cursor.o,
          },
        ],
        { force: true },
      );
    }
    this.state.end = {
      exitCode: result.exitCode,
      signal: null,
      ...(result.reason ? { reason: result.reason.slice(0, 1000) } : {}),
      lastSeq: this.spool.lastSeq,
    };
    this.saveState();
    this.dirty = true;
    this.link?.flush();
  }

  onAbandon(listener: () => void): void {
    this.abandonListeners.push(listener);
  }

  /**
   * The daemon is exiting: stop the CLI (nobody could talk to it any more) but record nothing,
   * so the next daemon reports the run as cut short by the restart.
   */
  abandon(): void {
    if (this.finished || this.discarded) return;
    this.discarded = true;
    for (const listener of this.abandonListeners) listener();
  }

  remove(): void {
    this.discarded = true;
    this.stop('canceled', 0);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  discard(): void {
    this.remove();
  }

  reloadSpool(): void {
    this.spool = Spool.open(path.join(this.dir, 'spool.jsonl'), this.limits);
  }

  /** An agent run's deadline is armed when it is offered (daemon.ts); a reopened one already ended. */
  armTimeout(): void {}
}
