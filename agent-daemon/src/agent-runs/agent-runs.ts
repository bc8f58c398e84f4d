/**
 * The daemon's entry to agent runs: starts the supervisor of an offered agent job and removes a
 * ticket's workspace when the control plane says the ticket is done (`workspace.remove`).
 */
import type { AgentJobSpec } from '@openase/shared/protocol/agent-run';
import type { ControlFrame, DaemonFrame } from '@openase/shared/protocol/messages';
import type { Confinement } from '../sandbox/confine.js';
import type { StartAgentSession } from '../adapters/common/types.js';
import type { HeldRun } from '../runs/held-run.js';
import type { SpoolLimits } from '../runs/spool.js';
import { Workspaces } from '../workspace/workspace.js';
import { AgentRunHandle, type AgentRunLink } from './agent-run-handle.js';
import { superviseAgentRun } from './agent-run.js';

export interface AgentRunsOptions {
  runsDir: string;
  limits: SpoolLimits;
  workspacesRoot: string;
  program: readonly string[];
  startSession: StartAgentSession;
  confinement?: Confinement;
  link: AgentRunLink;
  log(line: string): void;
}

type WorkspaceRemove = Extract<ControlFrame, { type: 'workspace.remove' }>;
type WorkspaceRemoved = Extract<DaemonFrame, { type: 'workspace.removed' }>;

export class AgentRuns {
  readonly workspaces: Workspaces;

  constructor(private readonly opts: AgentRunsOptions) {
    this.workspaces = new Workspaces(opts.workspacesRoot);
  }

  /** Creates the run's folder and starts its supervisor in the background. */
  start(runId: string, leaseEpoch: number, spec: AgentJobSpec): AgentRunHandle {
    const handle = AgentRunHandle.create(this.opts.runsDir, runId, leaseEpoch, spec, this.opts.limits, this.opts.link);
    void superviseAgentRun(handle, spec, {
      workspaces: this.workspaces,
      startSession: this.opts.startSession,
      program: this.opts.program,
      ...(this.opts.confinement ? { confinement: this.opts.confinement } : {}),
      log: this.opts.log,
    }).catch((err: Error) => {
      // The supervisor reports its own failures; this is a bug guard so a run never hangs unended.
      this.opts.log(`run ${runId}: supervisor crashed: ${err.stack ?? err.message}`);
      handle.emit({ type: 'error', message: `the daemon's agent run supervisor crashed: ${err.message}`, fatal: true });
      handle.end({ exitCode: 1, reason: `supervisor crashed: ${err.message}` });
    });
    return handle;
  }

  /** The daemon is exiting: stop every agent CLI still running (their runs end when the daemon restarts). */
  abandonAll(held: readonly HeldRun[]): void {
    for (const run of held) if (run instanceof AgentRunHandle) run.abandon();
  }

  /** Removes a ticket's worktrees and workspace, unless a run on this machine still works in it. */
  async removeWorkspace(frame: WorkspaceRemove, held: readonly HeldRun[]): Promise<WorkspaceRemoved> {
    const { identifier } = frame.ticket;
    const busy = held.find((r) => r instanceof AgentRunHandle && !r.finished && r.state.ticket === identifier);
    if (busy)
      return {
        type: 'workspace.removed',
        ticket: { identifier },
        ok: false,
        message: `run ${busy.runId} is still working in the workspace of ${identifier}; not removed`,
      };
    try {
      await this.workspaces.remove(identifier, frame.repos);
      this.opts.log(`workspace of ${identifier} removed`);
      return { type: 'workspace.removed', ticket: { identifier }, ok: true };
    } catch (err) {
      return {
        type: 'workspace.removed',
        ticket: { identifier },
        ok: false,
        message: `removing the workspace of ${identifier} failed: ${(err as Error).message}`.slice(0, 2000),
      };
    }
  }
}
