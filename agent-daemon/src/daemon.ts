/**
 * The daemon's side of the protocol, independent of the transport: a transport calls
 * `attach(conn)` when connected, `receive(raw)` per frame and `detach()` when gone.
 *
 * hello{running[]} → welcome{reconcile} → per held run: continue (resend spooled events after the
 * acked seq) or kill. Offers are accepted when a slot is free; output is tailed into the spool
 * and sent in batches (every ≤ 1 s or 64 KiB); `run.finished` is sent only once every event is
 * acked; a closing ack lets the daemon delete the run's folder.
 *
 * Agent runs (`spec.kind === 'agent'`) go to their supervisor (agent-runs/), with `run.next` and
 * `workspace.remove` routed to it; their events use the same spool and sending as command runs.
 *
 * Offers are answered in run-offers.ts, events and finishes sent by runs/send-events.ts, and the
 * hello and heartbeat frames made by machine-report.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CONTROL_FRAME_TYPES, decodeFrame } from '@openase/shared/protocol/decode';
import { controlFrameSchema, type ControlFrame, type DaemonFrame } from '@openase/shared/protocol/messages';
import { AgentRuns } from './agent-runs/agent-runs.js';
import { answerGitRequest } from './git-ops.js';
import { startAgentSession } from './adapters/sessions.js';
import type { StartAgentSession } from './adapters/common/types.js';
import { AgentRunHandle } from './agent-runs/agent-run-handle.js';
import type { HeldRun } from './runs/held-run.js';
import { RunHandle } from './runs/run-handle.js';
import { sendSpooledEvents } from './runs/send-events.js';
import type { Confinement } from './sandbox/confine.js';
import { spoolLimits, type SpoolLimits } from './runs/spool.js';
import { CommandChecks, detectClis, type CliInfo } from './inventory.js';
import { heartbeatFrame, helloFrame } from './machine-report.js';
import { answerOffer, type OfferContext } from './run-offers.js';
import { describeBehind } from './version.js';

export interface Connection {
  send(frame: DaemonFrame): void;
  /** Called when the control plane welcomed this connection (resets backoff, starts watchdogs). */
  welcomed?(heartbeatMs: number): void;
}

export interface DaemonOptions {
  home: string;
  slots: number;
  labels: string[];
  /** Default working directory of runs whose spec names none (else the run folder). */
  workdir?: string;
  /** argv that re-invokes this program (for `exec-wrapper`). */
  self: string[];
  log: (line: string) => void;
  pollMs?: number;
  limits?: SpoolLimits;
  /** Where ticket workspaces live (default `<home>/workspaces`). */
  workspaces?: string;
  /** The agent CLI drivers (default: the adapters by `spec.agent.adapter`). */
  startSession?: StartAgentSession;
  /** How what runs here is confined (sandbox/confine.ts; default: started as is, as in unit tests). */
  confinement?: Confinement;
}

export class Daemon {
  private conn: Connection | null = null;
  private welcomed = false;
  private warnedBehind: string | null = null;
  private readonly runs = new Map<string, HeldRun>();
  private readonly agentRuns: AgentRuns;
  private readonly runsDir: string;
  private clis: CliInfo[] = [];
  private readonly commands = new CommandChecks();
  private poller: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private inventory: NodeJS.Timeout | null = null;
  private readonly limits: SpoolLimits;
  /** Runs whose finish was sent on the current connection (sent again after a reconnect). */
  private readonly finishSent = new Set<string>();
  private readonly offers: OfferContext;

  constructor(private readonly opts: DaemonOptions) {
    this.runsDir = path.join(opts.home, 'runs');
    this.limits = opts.limits ?? spoolLimits();
    this.agentRuns = new AgentRuns({
      runsDir: this.runsDir,
      limits: this.limits,
      workspacesRoot: opts.workspaces ?? path.join(opts.home, 'workspaces'),
      program: [process.execPath, ...opts.self],
      startSession: opts.startSession ?? startAgentSession,
      ...(opts.confinement ? { confinement: opts.confinement } : {}),
      log: opts.log,
      link: { send: (frame) => this.sendWelcomed(frame), flush: () => this.flush(false), log: opts.log },
    });
    this.offers = {
      runs: this.runs,
      agentRuns: this.agentRuns,
      commands: this.commands,
      runsDir: this.runsDir,
      limits: this.limits,
      slots: opts.slots,
      self: opts.self,
      workdir: opts.workdir,
      confinement: opts.confinement,
      log: opts.log,
      send: (frame) => this.send(frame),
      sendHeartbeat: () => this.sendHeartbeat(),
    };
  }

  /** Re-attaches to runs left by an earlier daemon and starts tailing. */
  async start(): Promise<void> {
    fs.mkdirSync(this.runsDir, { recursive: true, mode: 0o700 });
    for (const entry of fs.readdirSync(this.runsDir)) {
      const dir = path.join(this.runsDir, entry);
      const handle = AgentRunHandle.reopen(dir, this.limits) ?? RunHandle.reopen(dir, this.limits);
      if (handle) {
        this.runs.set(handle.runId, handle);
        handle.armTimeout();
        this.opts.log(
          `re-attached to run ${handle.runId} (${handle.finished ? 'finished' : 'running'}, ${handle.spool.lastSeq} event(s) spooled)`,
        );
      }
    }
    this.clis = await detectClis();
    this.poller = setInterval(() => this.pollRuns(), this.opts.pollMs ?? 100);
    // CLIs get installed and upgraded while the daemon runs: look again every 10 minutes.
    this.inventory = setInterval(() => void detectClis().then((c) => (this.clis = c)), 10 * 60_000);
    this.inventory.unref();
  }

  /**
   * A deliberate stop (SIGTERM, SIGINT). Agent runs cannot outlive the daemon (their supervisor and
   * the CLI's pipes live in it): each is stopped like a cancel — the CLI's process group too, its
   * on_cancel hooks run — and ends with that reason, reported to the control plane while connected
   * (else by the next daemon, from its spool), which retries the ticket. Command runs keep going
   * under their own wrappers and are re-attached by the next daemon.
   */
  async shutdown(waitMs = 20_000, graceMs = 5_000): Promise<void> {
    const agents = this.heldRuns.filter((r): r is AgentRunHandle => r instanceof AgentRunHandle && !r.finished);
    for (const run of agents) run.stop('daemon_stopped', graceMs);
    const deadline = Date.now() + waitMs;
    // Ended, and (while connected) reported: the control plane's closing ack removes the run.
    const pending = () => agents.some((r) => this.runs.has(r.runId) && (!r.finished || this.welcomed));
    while (pending() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    this.stop();
  }

  /**
   * The control plane will never take this machine's runs back (revoked, its credential refused): every run's process
   * group is killed and its folder removed, where a plain stop leaves them running for the next daemon to adopt.
   */
  discardAll(why: string): void {
    for (const handle of this.runs.values()) {
      if (!handle.finished) this.opts.log(`run ${handle.runId}: stopping it and discarding its folder (${why})`);
      handle.discard();
    }
    this.runs.clear();
  }

  stop(): void {
    this.agentRuns.abandonAll(this.heldRuns);
    if (this.poller) clearInterval(this.poller);
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.inventory) clearInterval(this.inventory);
  }

  get heldRuns(): HeldRun[] {
    return [...this.runs.values()];
  }

  attach(conn: Connection): void {
    this.conn = conn;
    this.welcomed = false;
    this.finishSent.clear();
    conn.send(helloFrame({ labels: this.opts.labels, slots: this.opts.slots, clis: this.clis, held: this.heldRuns }));
  }

  detach(): void {
    this.conn = null;
    this.welcomed = false;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  receive(raw: string | Uint8Array): void {
    const decoded = decodeFrame(controlFrameSchema, raw, CONTROL_FRAME_TYPES);
    if (!decoded.ok) {
      this.opts.log(`refused a frame from the control plane: ${decoded.message}`);
      this.send({ type: 'error', code: decoded.code, message: decoded.message });
      return;
    }
    this.onFrame(decoded.frame);
  }

  private send(frame: DaemonFrame): void {
    this.conn?.send(frame);
  }

  /** Frames of the agent turn handshake go out only on a welcomed connection (they are resent on the next welcome). */
  private sendWelcomed(frame: DaemonFrame): void {
    if (this.welcomed) this.send(frame);
  }

  private onFrame(frame: ControlFrame): void {
    switch (frame.type) {
      case 'welcome': {
        this.welcomed = true;
        const behind = describeBehind(frame);
        if (behind && behind !== this.warnedBehind) this.opts.log(behind);
        this.warnedBehind = behind;
        for (const r of frame.reconcile) {
          const handle = this.runs.get(r.runId);
          if (!handle) continue;
          if (r.action === 'kill') {
            this.opts.log(`run ${r.runId}: the control plane no longer assigns it here; stopping and discarding it`);
            handle.discard();
            this.runs.delete(r.runId);
            continue;
          }
          if (r.ackedSeq < handle.ackedSeq) {
            this.opts.log(
              `run ${r.runId}: the control plane has events only up to ${r.ackedSeq} (acked ${handle.ackedSeq} before); resending from the spool on disk`,
            );
            handle.reloadSpool();
          }
          handle.ackedSeq = r.ackedSeq;
          handle.sentSeq = r.ackedSeq;
          handle.spool.ack(r.ackedSeq);
        }
        if (this.heartbeat) clearInterval(this.heartbeat);
        this.heartbeat = setInterval(() => this.sendHeartbeat(), frame.heartbeatMs);
        // At once too: load, free disk and the command checks are known from the first moment.
        this.sendHeartbeat();
        this.conn?.welcomed?.(frame.heartbeatMs);
        this.flush(true);
        for (const handle of this.runs.values()) if (!handle.finished) handle.welcomed?.();
        return;
      }
      case 'run.offer':
        answerOffer(this.offers, frame);
        return;
      case 'run.cancel': {
        const handle = this.runs.get(frame.runId);
        if (!handle || handle.state.leaseEpoch !== frame.leaseEpoch) {
          this.send({
            type: 'error',
            code: handle ? 'stale_lease' : 'unknown_run',
            message: `cannot cancel run ${frame.runId}: ${handle ? 'stale lease epoch' : 'not held here'}`,
            runId: frame.runId,
          });
          return;
        }
        this.opts.log(`run ${frame.runId}: canceling (SIGTERM, SIGKILL after ${frame.graceMs} ms)`);
        handle.stop('canceled', frame.graceMs);
        return;
      }
      case 'run.ack': {
        const handle = this.runs.get(frame.runId);
        if (!handle) return;
        if (frame.closed) {
          handle.remove();
          this.runs.delete(frame.runId);
          this.opts.log(`run ${frame.runId}: closed by the control plane; its files are removed`);
          return;
        }
        handle.ackedSeq = Math.max(handle.ackedSeq, frame.ackedSeq);
        handle.spool.ack(frame.ackedSeq);
        this.flush(false);
        return;
      }
      case 'error':
        this.opts.log(
          `control plane error${frame.runId ? ` on run ${frame.runId}` : ''}: ${frame.code}: ${frame.message}`,
        );
        if (frame.runId && (frame.code === 'stale_lease' || frame.code === 'unknown_run')) {
          const handle = this.runs.get(frame.runId);
          // Only if we still hold the refused epoch: a late refusal of an epoch we have since moved past is moot.
          if (handle && frame.leaseEpoch === handle.state.leaseEpoch) {
            this.opts.log(
              `run ${frame.runId}: the control plane refused our lease (${frame.message}); stopping and discarding it`,
            );
            handle.discard();
            this.runs.delete(frame.runId);
          }
        }
        return;
      case 'run.interrupt': {
        const handle = this.runs.get(frame.runId);
        if (!(handle instanceof AgentRunHandle) || handle.finished || handle.state.leaseEpoch !== frame.leaseEpoch) {
          this.send({
            type: 'error',
            code: handle && handle.state.leaseEpoch !== frame.leaseEpoch ? 'stale_lease' : 'unknown_run',
            message: `run.interrupt for run ${frame.runId} refused: ${!handle ? 'not held here' : 'not a live agent run of this lease'}`,
            runId: frame.runId,
          });
          return;
        }
        this.opts.log(`run ${frame.runId}: interrupting the current turn`);
        handle.interrupt();
        return;
      }
      case 'run.input':
        this.send({
          type: 'error',
          code: 'unknown_type',
          message: 'runs take no input frames (agent runs get theirs with run.next)',
          runId: frame.runId,
        });
        return;
      case 'run.next': {
        const handle = this.runs.get(frame.runId);
        if (!(handle instanceof AgentRunHandle) || handle.finished || handle.state.leaseEpoch !== frame.leaseEpoch) {
          const why = !handle
            ? 'not held here'
            : !(handle instanceof AgentRunHandle)
              ? 'not an agent run'
              : handle.finished
                ? 'already ended'
                : 'stale lease epoch';
          this.send({
            type: 'error',
            code: handle && handle.state.leaseEpoch !== frame.leaseEpoch ? 'stale_lease' : 'unknown_run',
            message: `run.next for run ${frame.runId} refused: ${why}`,
            runId: frame.runId,
          });
          return;
        }
        handle.answer(frame);
        return;
      }
      case 'run.decision': {
        // A decision for a run no longer held (or of an old lease) is moot: the call it answered is gone.
        const handle = this.runs.get(frame.runId);
        if (handle instanceof AgentRunHandle && handle.state.leaseEpoch === frame.leaseEpoch && handle.decide(frame))
          this.opts.log(`run ${frame.runId}: ${frame.approve ? 'approved' : 'declined'} by ${frame.by}`);
        return;
      }
      case 'workspace.remove':
        void this.agentRuns.removeWorkspace(frame, this.heldRuns).then((reply) => this.send(reply));
        return;
      case 'git.request':
        void answerGitRequest(this.agentRuns.workspaces, frame, (reply) => this.send(reply), this.opts.log);
        return;
    }
  }

  private pollRuns(): void {
    let changed = false;
    for (const handle of this.runs.values()) {
      try {
        if (handle.poll()) changed = true;
      } catch (err) {
        this.opts.log(`run ${handle.runId}: ${(err as Error).message}`);
      }
    }
    if (changed) this.flush(false);
  }

  /** Sends spooled events not yet sent (from the acked seq after a reconnect), then finishes. */
  private flush(resend: boolean): void {
    if (!this.conn || !this.welcomed) return;
    for (const handle of this.runs.values())
      sendSpooledEvents(handle, (frame) => this.send(frame), this.finishSent, resend);
  }

  private sendHeartbeat(): void {
    this.send(heartbeatFrame({ home: this.opts.home, clis: this.clis, commands: this.commands, held: this.heldRuns }));
  }
}
