/**
 * A `run.offer` from the control plane: adopted again when the run is already held here (its first accept was
 * lost), refused without a free slot or (agent runs) without the agent's command, else accepted and started —
 * an agent run by its supervisor (agent-runs/), a command run under its exec wrapper (runs/run-handle.ts).
 */
import type { ControlFrame, DaemonFrame } from '@openase/shared/protocol/messages';
import type { AgentRuns } from './agent-runs/agent-runs.js';
import type { HeldRun } from './runs/held-run.js';
import { RunHandle } from './runs/run-handle.js';
import type { SpoolLimits } from './runs/spool.js';
import type { Confinement } from './sandbox/confine.js';
import type { CommandChecks } from './inventory.js';

/** What of the daemon an offer needs: the runs it holds, where and how runs start, and its connection. */
export interface OfferContext {
  readonly runs: Map<string, HeldRun>;
  readonly agentRuns: AgentRuns;
  readonly commands: CommandChecks;
  readonly runsDir: string;
  readonly limits: SpoolLimits;
  readonly slots: number;
  /** argv that re-invokes this program (for `exec-wrapper`). */
  readonly self: string[];
  /** Default working directory of runs whose spec names none (else the run folder). */
  readonly workdir?: string | undefined;
  readonly confinement?: Confinement | undefined;
  log(line: string): void;
  send(frame: DaemonFrame): void;
  sendHeartbeat(): void;
}

export function answerOffer(ctx: OfferContext, frame: Extract<ControlFrame, { type: 'run.offer' }>): void {
  const held = ctx.runs.get(frame.runId);
  if (held) {
    // A re-offer of a run we already execute (the first accept was lost): adopt the new lease.
    held.state.leaseEpoch = frame.leaseEpoch;
    held.saveState();
    ctx.send({ type: 'run.accept', runId: frame.runId, leaseEpoch: frame.leaseEpoch });
    ctx.send({ type: 'run.started', runId: frame.runId, leaseEpoch: frame.leaseEpoch });
    return;
  }
  const busy = [...ctx.runs.values()].filter((r) => !r.finished).length;
  if (busy >= ctx.slots) {
    ctx.send({
      type: 'run.reject',
      runId: frame.runId,
      leaseEpoch: frame.leaseEpoch,
      reason: `no free slot (${busy}/${ctx.slots} in use)`,
    });
    return;
  }
  if (frame.spec.kind === 'agent') {
    const command = frame.spec.agent.command;
    if (command && !ctx.commands.check(command, frame.spec.agent.env.PATH ?? process.env.PATH)) {
      ctx.send({
        type: 'run.reject',
        runId: frame.runId,
        leaseEpoch: frame.leaseEpoch,
        code: 'command_not_found',
        reason: `command not found: ${command}`.slice(0, 1000),
      });
      // The next placement already knows this machine lacks it.
      ctx.sendHeartbeat();
      return;
    }
    // Accepted first: preparing the workspace takes a while; run.started follows when it is ready.
    ctx.send({ type: 'run.accept', runId: frame.runId, leaseEpoch: frame.leaseEpoch });
    const agent = ctx.agentRuns.start(frame.runId, frame.leaseEpoch, frame.spec);
    ctx.runs.set(frame.runId, agent);
    ctx.log(`run ${frame.runId}: agent run for ${frame.spec.ticket.identifier} (${frame.spec.agent.adapter}) accepted`);
    if (frame.spec.timeoutMs) setTimeout(() => agent.stop('timeout', 10_000), frame.spec.timeoutMs).unref();
    return;
  }
  const spec = frame.spec.cwd || !ctx.workdir ? frame.spec : { ...frame.spec, cwd: ctx.workdir };
  const handle = RunHandle.start(
    ctx.runsDir,
    frame.runId,
    frame.leaseEpoch,
    spec,
    ctx.limits,
    ctx.self,
    ctx.confinement,
  );
  ctx.runs.set(frame.runId, handle);
  ctx.send({ type: 'run.accept', runId: frame.runId, leaseEpoch: frame.leaseEpoch });
  ctx.send({
    type: 'run.started',
    runId: frame.runId,
    leaseEpoch: frame.leaseEpoch,
    ...(handle.state.wrapperPid ? { pid: handle.state.wrapperPid } : {}),
  });
  ctx.log(`run ${frame.runId}: started ${frame.spec.command.join(' ').slice(0, 200)}`);
  handle.armTimeout();
}
