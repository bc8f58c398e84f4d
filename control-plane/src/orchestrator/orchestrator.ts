/**
 * The orchestrator process component: reacts to committed changes within milliseconds (a ticket
 * moved, a run ended, a machine connected, a blocker done, a workflow changed) with a dispatch
 * pass for the project concerned, and runs a periodic sweep on the leader (timeouts, stalls,
 * retries that came due). Decisions are the plain functions next to it; this class wires them to
 * the change bus and the fleet.
 *
 * Several replicas: every replica reacts to the typed domain events of committed activity (kernel/
 * domain-events.ts, relayed over LISTEN/NOTIFY), claims are safe under SKIP LOCKED, and a queued run
 * (`run.dispatched`) is offered by the replica holding its machine's socket. Frames for machines
 * (cancels, workspace removals) are commands, sent by the holder (fleet/machine-commands.ts).
 */
import { and, eq, inArray, isNull } from 'drizzle-orm';
import { TERMINAL_RUN_STATES, type ControlFrame } from '@openase/shared';
import { runs, statuses, tickets } from '../db/schema.js';
import { expireApprovals } from './approvals.js';
import type { Deps } from '../kernel/context.js';
import { onDomainEvents, type DomainEvent, type DomainEventName } from '../kernel/domain-events.js';
import { inTransaction } from '../kernel/transaction.js';
import type { AgentRunHooks } from '../fleet/agent-run-hooks.js';
import { claimProject, orchestratorActor, projectsWithCandidates } from './dispatcher.js';
import { applyStop, findBudgetStop, findOverruns, findRunsLeftBehind, type StopDecision } from './enforcement.js';
import { materializeJob } from './job-spec.js';
import { settleEndedRun } from './outcomes.js';
import { pendingRemovals, requestWorkspaceRemovals } from '../runs/workspace-removals.js';
import { decideAfterGate, decideAfterTurn } from './turns.js';
import { openPullRequestsForRun } from './pull-requests.js';
import type { ChatRuns } from '../chat/chat-runs.js';
import { errField, type Logger } from '../kernel/logger.js';
import type { FleetGit } from '../review/diff.js';
import type { MergeBackend } from '../review/merge.js';
import { Merger } from '../review/merger.js';
import { approveResolvedConflict } from '../review/resolved.js';
import { pushTicket } from '../integrations/github/issues.js';
import { githubError } from '../integrations/github/client.js';

/** How long a Project AI conversation may wait for a message before it is closed (frees its slot). */
export const DEFAULT_CHAT_IDLE_MS = 60 * 60_000;

/** What the orchestrator needs of the fleet: sending to machines whose socket this replica holds. */
export interface FleetLink extends FleetGit {
  /** To a machine whose socket this replica holds (false otherwise). */
  send(machineId: string, frame: ControlFrame): boolean;
  /** To a machine wherever its socket is held. */
  command(machineId: string, frame: ControlFrame): void;
  dispatch(machineId: string): Promise<void>;
  holds(machineId: string): boolean;
  readonly offerTimeoutMs: number;
}

export interface OrchestratorOptions {
  /** The URL agents' `openase` wrappers call. */
  platformUrl: string;
  /** Periodic work runs only on the leader (always true on PGlite). */
  isLeader: () => boolean;
  sweepIntervalMs?: number;
  /** Project AI runs (chat/chat-runs.ts, a folder above: handed in); without it their offers fail. */
  chat?: ChatRuns;
  /** Project AI conversations waiting this long for a message are closed (0 = never; default 60 min). */
  chatIdleMs?: number;
  /** Git hosts that merge pull requests themselves (review/merge.ts); the platform merges elsewhere. */
  mergeBackends?: MergeBackend[];
}

/** Events that can make something dispatchable in their project (a run's end comes from the run bus). */
const DISPATCH_TRIGGERS = [
  'ticket.created',
  'ticket.moved',
  'ticket.updated',
  'ticket.unarchived',
  'ticket.linked',
  'ticket.unlinked',
  'ticket.retry',
  'ticket.answered',
  // A deleted ticket may have blocked others.
  'ticket.deleted',
  'project.updated',
  'workflow.created',
  'workflow.versioned',
  'workflow.deleted',
  'workflow.hooks_changed',
  'agent.created',
  'agent.updated',
  'agent.deleted',
  'skill.created',
  'skill.versioned',
  'skill.enabled',
  'skill.disabled',
  'status.created',
  'status.updated',
  'status.moved',
  'status.deleted',
] as const satisfies readonly DomainEventName[];
/** Every event the orchestrator reacts to. */
const ROUTES = [
  ...DISPATCH_TRIGGERS,
  'run.dispatched',
  'run.started',
  'ticket.archived',
] as const satisfies readonly DomainEventName[];
const TRIGGERS = new Set<DomainEventName>(DISPATCH_TRIGGERS);

export class Orchestrator {
  private readonly log: Logger;
  private readonly pending = new Set<string | '*'>();
  private scheduled = false;
  private passing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: Array<() => void> = [];
  private stopped = false;
  /** Merges tickets that entered a merge status (on the leader). */
  readonly merger: Merger;

  constructor(
    private readonly deps: Deps,
    private readonly link: FleetLink,
    private readonly opts: OrchestratorOptions,
  ) {
    this.log = deps.log.child({ component: 'orchestrator' });
    this.merger = new Merger({
      deps,
      fleet: link,
      backends: opts.mergeBackends ?? [],
      actor: orchestratorActor,
    });
  }

  /** The hub's agent-run hooks (offers, turn handshake, cleanup acknowledgements, reconnects). */
  readonly hooks: AgentRunHooks = {
    materialize: async (tx, run, known) => {
      if (run.conversationId) {
        if (!this.opts.chat) throw new Error('this orchestrator was started without Project AI (options.chat)');
        return this.opts.chat.materialize(tx, this.deps, run, this.opts.platformUrl);
      }
      return materializeJob(tx, this.deps, run, this.opts.platformUrl, known);
    },
    onTurn: async (machineId, frame) => {
      const msg = { machineId, runId: frame.runId, leaseEpoch: frame.leaseEpoch, frame };
      // A Project AI run's next turn is the person's next message (null: held until they write).
      const chat = this.opts.chat;
      return chat && (await chat.isChatRun(this.deps, frame.runId))
        ? chat.decideTurn(this.deps, msg)
        : decideAfterTurn(this.deps, msg);
    },
    onGate: async (machineId, frame) => {
      const answer = await decideAfterGate(this.deps, {
        machineId,
        runId: frame.runId,
        leaseEpoch: frame.leaseEpoch,
        frame,
      });
      // The branch is pushed and the ticket finished: open or update its pull requests, and merge again a
      // ticket whose agent resolved a merge conflict (here, on the replica that handled the gate: once).
      if (answer.type === 'run.next' && answer.action === 'stop' && answer.outcome === 'succeeded')
        void this.afterFinish(frame.runId);
      return answer;
    },
    onWorkspaceRemoved: async (machineId, frame) => {
      const rows = await this.deps.db
        .select({ id: tickets.id })
        .from(tickets)
        .where(eq(tickets.identifier, frame.ticket.identifier));
      if (!frame.ok)
        return this.log.warn(
          { machineId, ticket: frame.ticket.identifier },
          `[orchestrator] machine ${machineId} could not remove the workspace of ${frame.ticket.identifier}: ${frame.message ?? 'no reason'}`,
        );
      for (const t of rows)
        await this.deps.db
          .update(runs)
          .set({ workspaceRemovedAt: this.deps.clock.now() })
          .where(and(eq(runs.ticketId, t.id), eq(runs.machineId, machineId)));
    },
    onConnected: async (machineId) => {
      await this.sendPendingRemovals(machineId);
      this.kick('*');
    },
  };

  start(): void {
    this.unsubscribe.push(onDomainEvents(this.deps.bus, ROUTES, (event) => this.onEvent(event)));
    this.unsubscribe.push(
      this.deps.bus.onRun((change) => {
        if (TERMINAL_RUN_STATES.has(change.state as never)) void this.onRunEnded(change.runId);
        else if (change.costed) void this.checkBudget(change.runId);
      }),
    );
    const every = this.opts.sweepIntervalMs ?? 2000;
    this.timer = setInterval(() => void this.sweep(), every);
    this.timer.unref();
    this.kick('*');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (const off of this.unsubscribe) off();
    await this.passing;
  }

  /** Schedules a dispatch pass for a project (or every project with '*'), coalescing bursts. */
  kick(projectId: string | '*'): void {
    if (this.stopped) return;
    this.pending.add(projectId);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const batch = [...this.pending];
      this.pending.clear();
      this.passing = this.passing
        .then(() => this.pass(batch))
        .catch((err) => this.log.error(errField(err), '[orchestrator] dispatch pass failed'));
    });
  }

  /** Waits for scheduled passes to finish (tests, benchmarks). */
  async idle(): Promise<void> {
    while (this.scheduled || this.pending.size) await new Promise((r) => setImmediate(r));
    await this.passing;
  }

  private async pass(batch: Array<string | '*'>): Promise<void> {
    const projectIds = batch.includes('*') ? await projectsWithCandidates(this.deps) : batch;
    // A run placed on a machine held here is offered in its claim; others follow from the claim's
    // `run.dispatched` event (onEvent), on whichever replica holds the machine's socket.
    const offerHere = {
      holds: (machineId: string) => this.link.holds(machineId),
      offerTimeoutMs: this.link.offerTimeoutMs,
      materialize: this.hooks.materialize,
    };
    for (const projectId of new Set(projectIds)) await claimProject(this.deps, projectId, offerHere);
  }

  private onEvent(event: DomainEvent<(typeof ROUTES)[number]>): void {
    switch (event.name) {
      // A claimed ticket's run, or a command run started by hand — possibly through another replica.
      case 'run.dispatched':
      case 'run.started':
        void this.link.dispatch(event.machineId);
        return;
      case 'ticket.moved':
      case 'ticket.archived':
        if (event.ticketId) void this.onTicketMoved(event.ticketId);
    }
    // A ticket that entered (or is retried in) a merge status is merged on the leader.
    if ((event.name === 'ticket.moved' || event.name === 'ticket.retry') && event.ticketId && this.opts.isLeader())
      this.merger.start(event.ticketId);
    // A ticket that mirrors a GitHub issue: the issue follows (a no-op when the change came from it).
    const mirrored = event.ticketId;
    if ((event.name === 'ticket.updated' || event.name === 'ticket.moved') && mirrored && this.opts.isLeader())
      void pushTicket(this.deps, mirrored).catch((err: Error) =>
        this.log.warn(
          { ticketId: mirrored, ...errField(err) },
          `[github] updating the issue of a ticket failed: ${githubError(err)}`,
        ),
      );
    if (TRIGGERS.has(event.name)) this.kick(event.projectId ?? '*');
  }

  private async onTicketMoved(ticketId: string): Promise<void> {
    try {
      for (const stop of await findRunsLeftBehind(this.deps, ticketId)) await this.stopRun(stop);
      await this.requestRemovalIfDone(ticketId);
    } catch (err) {
      this.log.error(
        { ticketId, ...errField(err) },
        `[orchestrator] handling a ticket move failed: ${(err as Error).message}`,
      );
    }
  }

  private async onRunEnded(runId: string): Promise<void> {
    try {
      const settled = await settleEndedRun(this.deps, runId);
      if (!settled) return;
      this.kick(settled.projectId ?? '*');
      // A ticket that reached Done or Cancelled while its run was still going (the move stopped the
      // run): its workspace goes now that the run has ended. Once per run: only the settling replica.
      const [run] = await this.deps.db
        .select({ ticketId: runs.ticketId, kind: runs.kind })
        .from(runs)
        .where(eq(runs.id, runId));
      if (run?.kind === 'agent' && run.ticketId) await this.requestRemovalIfDone(run.ticketId);
    } catch (err) {
      this.log.error(
        { run: runId, ...errField(err) },
        `[orchestrator] settling run ${runId} failed: ${(err as Error).message}`,
      );
    }
  }

  private async checkBudget(runId: string): Promise<void> {
    try {
      const stop = (await findBudgetStop(this.deps, runId)) ?? (await this.opts.chat?.capStop(this.deps, runId));
      if (stop) await this.stopRun(stop);
    } catch (err) {
      this.log.error(
        { run: runId, ...errField(err) },
        `[orchestrator] budget check of run ${runId} failed: ${(err as Error).message}`,
      );
    }
  }

  private async stopRun(decision: StopDecision): Promise<void> {
    const run = await applyStop(this.deps, decision);
    if (run)
      this.log.info({ run: run.id }, `[orchestrator] stopping run ${run.id} (${decision.as}): ${decision.reason}`);
  }

  /** The leader's periodic work: enforce timeouts and stalls, then look for work that came due. */
  async sweep(): Promise<void> {
    if (this.stopped || !this.opts.isLeader()) return;
    try {
      for (const stop of await findOverruns(this.deps)) await this.stopRun(stop);
      for (const { machineId, frame } of await expireApprovals(this.deps))
        if (machineId) this.link.command(machineId, frame);
      await this.closeIdleConversations();
      await this.merger.sweep();
      // Runs that ended while no replica settled them (e.g. a control plane died in between).
      for (const { id } of await this.deps.db
        .select({ id: runs.id })
        .from(runs)
        .where(
          and(
            isNull(runs.settledAt),
            inArray(runs.state, ['succeeded', 'failed', 'canceled', 'timed_out', 'stalled', 'lost']),
          ),
        ))
        await this.onRunEnded(id);
      this.kick('*');
    } catch (err) {
      this.log.error(errField(err), `[orchestrator] sweep failed: ${(err as Error).message}`);
    }
  }

  /** Own error handling: a failure here must not keep the rest of the sweep from running. */
  private async closeIdleConversations(): Promise<void> {
    const idleMs = this.opts.chatIdleMs ?? DEFAULT_CHAT_IDLE_MS;
    const chat = this.opts.chat;
    if (idleMs <= 0 || !chat) return;
    const idle = chat.describeIdleTime(idleMs);
    try {
      for (const id of await chat.closeIdle(this.deps, idleMs, orchestratorActor))
        this.log.info(
          { conversation: id },
          `[orchestrator] closed Project AI conversation ${id.slice(0, 8)}: no message for ${idle}`,
        );
    } catch (err) {
      this.log.error(
        errField(err),
        `[orchestrator] closing idle Project AI conversations failed: ${(err as Error).message}`,
      );
    }
  }

  private async afterFinish(runId: string): Promise<void> {
    try {
      await openPullRequestsForRun(this.deps, runId, this.opts.platformUrl);
    } catch (err) {
      this.log.error(
        { run: runId, ...errField(err) },
        `[orchestrator] pull requests for run ${runId} failed: ${(err as Error).message}`,
      );
    }
    try {
      await approveResolvedConflict(this.deps, orchestratorActor, runId);
    } catch (err) {
      this.log.error(
        { run: runId, ...errField(err) },
        `[orchestrator] merging again after run ${runId} resolved a conflict failed: ${(err as Error).message}`,
      );
    }
  }

  /**
   * When a ticket reaches a completed or canceled stage, each machine that worked on it removes its
   * workspace: at the move for runs already ended, and when each run still going ends (onRunEnded).
   */
  private async requestRemovalIfDone(ticketId: string): Promise<void> {
    const [row] = await this.deps.db
      .select({ ticket: tickets, stage: statuses.stage })
      .from(tickets)
      .innerJoin(statuses, eq(statuses.id, tickets.statusId))
      .where(eq(tickets.id, ticketId));
    if (!row || (row.stage !== 'completed' && row.stage !== 'canceled')) return;
    const { ticket, stage } = row;
    await inTransaction(this.deps, (tx, changes) =>
      requestWorkspaceRemovals(tx, this.deps, changes, orchestratorActor, ticket, `is ${stage}`),
    );
  }

  private async sendPendingRemovals(machineId: string): Promise<void> {
    const finished = inArray(statuses.stage, ['completed', 'canceled']);
    for (const p of await pendingRemovals(this.deps.db, and(eq(runs.machineId, machineId), finished)))
      this.link.send(machineId, p.frame);
  }
}
