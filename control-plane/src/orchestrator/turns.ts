/**
 * What an agent run does after each turn (the answer to the daemon's `run.turn` and `run.gate`,
 * shared/src/protocol/agent-run.ts). The ticket is re-read every time:
 *
 * - the agent asked to finish (a finish request, orchestrator/agent-moves.ts) → run the
 *   before_finish gate; when it passes the ticket moves and the run succeeds; when it fails the
 *   ticket stays and the gate's output is the next turn's input;
 * - the changed paths break the harness' rules, or a blocking after_turn hook failed → the next
 *   turn is told what to fix;
 * - the ticket is still in a pickup status → continue with continuation guidance, up to max_turns;
 * - a person moved it to a finish status → done; anywhere else → stop.
 *
 * Answers are computed from the database each time, so a repeated frame after a reconnect gets
 * the same answer and a gate that passed never moves the ticket twice.
 */
import { and, eq, sql } from 'drizzle-orm';
import {
  deniedSummary,
  excerpt,
  hookWords,
  type RunGateFrame,
  type RunNextFrame,
  type RunTurnFrame,
} from '@openase/shared';
import { activity, runs, statuses, tickets, workflowVersions } from '../db/schema.js';
import type { Tx } from '../db/database.js';
import type { Deps } from '../kernel/context.js';
import { inTransaction } from '../kernel/transaction.js';
import { aboutTicket, recordActivity } from '../activity/activity.js';
import { RunRefusal } from '../runs/lifecycle.js';
import { lockRun, nextFrame as next, type Run } from '../runs/runs.js';
import { applyMove } from '../tickets/tickets.js';
import { WHEN_DONE } from '../tickets/questions.js';
import type { Harness } from '../workflows/harness/schema.js';
import { orchestratorActor } from './dispatcher.js';
import { steeringInput, type PendingMessage } from './steering.js';

/**
 * What a failed gate says in a line, for the ticket (activity, the run's reason): the last line of
 * its output that says what failed (where test runners print their verdict), skipping npm's own lines.
 */
export function gateVerdict(output: string): string {
  const lines = output.split('\n').filter((l) => l.trim());
  const own = lines.filter((l) => !/^npm (error|ERR!|notice|warn|WARN)\b/.test(l.trim()));
  const verdict = own.filter((l) => /fail|error|not found|✗|×/i.test(l)).at(-1) ?? own.at(-1) ?? lines.at(-1);
  return verdict ? excerpt(verdict, 300) : 'no output';
}

type Fenced = { machineId: string; runId: string; leaseEpoch: number };

export async function fencedAgentRun(tx: Tx, msg: Fenced): Promise<Run> {
  const run = await lockRun(tx, msg.runId);
  if (!run || run.machineId !== msg.machineId || run.kind !== 'agent')
    throw new RunRefusal('unknown_run', `run ${msg.runId} is not an agent run of this machine`);
  if (run.leaseEpoch !== msg.leaseEpoch)
    throw new RunRefusal(
      'stale_lease',
      `run ${msg.runId}: lease epoch ${msg.leaseEpoch} is stale (current ${run.leaseEpoch}); stop the run`,
    );
  return run;
}

async function context(tx: Tx, run: Run) {
  const [ticket] = await tx.select().from(tickets).where(eq(tickets.id, run.ticketId!)).for('update');
  const [version] = await tx.select().from(workflowVersions).where(eq(workflowVersions.id, run.workflowVersionId!));
  const [status] = await tx.select().from(statuses).where(eq(statuses.id, ticket!.statusId));
  return { ticket: ticket!, version: version!, harness: version!.harness as Harness, status: status! };
}

/** `the checks before finishing`: the before_finish hooks, as activity, run reasons and the agent's CLI say them. */
export const BEFORE_FINISH = hookWords('before_finish');

/** The next turn's input after the checks refused the agent's move: what failed, and to try again (never "commit"). */
export function refusedMovePrompt(identifier: string, target: string, output: string): string {
  return `Your request to move ${identifier} to ${target} was refused because ${BEFORE_FINISH} failed. Fix the problem and move the ticket again; the platform commits and pushes what you leave in the worktree.\n\n${output}`;
}

export function continuationGuidance(identifier: string, turn: number, maxTurns: number, statusName: string): string {
  return [
    `Continue working on ${identifier} (turn ${turn + 1} of ${maxTurns}). The ticket is still in ${statusName}.`,
    `Pick up where you left off. ${WHEN_DONE} If you are blocked, say why in a comment.`,
  ].join('\n');
}

/** The reason of a run stopped for making no progress; outcomes.ts parks its ticket on it. */
export const NO_PROGRESS = 'no progress';

type TurnCommits = RunTurnFrame['commits'];

/** Pure: whether a turn moved any repository's branch head (the daemon commits what the agent left). */
export function turnChangedFiles(previous: TurnCommits | null, now: TurnCommits): boolean {
  return now.some((c) => c.head !== (previous?.find((p) => p.repo === c.repo)?.head ?? c.base));
}

/**
 * Counts the turn towards `no_progress_turns`: it made progress when it changed a file or the
 * run's agent acted on the platform since the last turn (moved the ticket or asked to, commented,
 * reported progress: every such call is an activity entry with the run as actor).
 */
async function countIdleTurn(tx: Tx, run: Run, frame: RunTurnFrame): Promise<number> {
  const [row] = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(activity)
    .where(and(eq(activity.ticketId, run.ticketId!), eq(activity.actorType, 'agent'), eq(activity.actorId, run.id)));
  const actions = row?.n ?? 0;
  const progressed = turnChangedFiles(run.commits as TurnCommits | null, frame.commits) || actions > run.agentActions;
  const idleTurns = progressed ? 0 : run.idleTurns + 1;
  await tx.update(runs).set({ idleTurns, agentActions: actions }).where(eq(runs.id, run.id));
  return idleTurns;
}

export async function decideAfterTurn(deps: Deps, msg: Fenced & { frame: RunTurnFrame }): Promise<RunNextFrame> {
  const { frame } = msg;
  return inTransaction(deps, async (tx, changes) => {
    const run = await fencedAgentRun(tx, msg);
    const idleTurns = await countIdleTurn(tx, run, frame);
    if (frame.sessionId && frame.sessionId !== run.sessionId)
      await tx.update(runs).set({ sessionId: frame.sessionId }).where(eq(runs.id, run.id));
    // What the run changed so far, per repository (`openase ticket diff --run`).
    if (frame.commits.length) await tx.update(runs).set({ commits: frame.commits }).where(eq(runs.id, run.id));
    if (run.cancelRequestedAt)
      return next(run, frame.turn, 'stop', {
        outcome: 'failed',
        reason: run.stateReason ?? 'the run was asked to stop',
      });
    const { ticket, version, harness, status } = await context(tx, run);
    const turnsLeft = frame.turn < harness.max_turns;
    // A run that ends unfinished says when the harness refused the agent's tools (often the why).
    const refused = frame.deniedTools.length ? `; ${deniedSummary(frame.deniedTools)}` : '';
    const fail = (reason: string) =>
      next(run, frame.turn, 'stop', { outcome: 'failed', reason: `${reason}${refused}` });
    // People's messages to the run (steering) are the next turn's input, even after an interrupted turn.
    const pending = (run.pendingInput as PendingMessage[] | null) ?? [];
    if (pending.length && turnsLeft) {
      await tx.update(runs).set({ pendingInput: null }).where(eq(runs.id, run.id));
      return next(run, frame.turn, 'continue', {
        input: steeringInput(pending),
        author: [...new Set(pending.map((m) => m.by))].join(', ').slice(0, 200),
      });
    }
    // The agent asked a person (`openase ticket ask`): the run ends cleanly; the answer starts the next one.
    if (ticket.question && !ticket.answer)
      return next(run, frame.turn, 'stop', {
        outcome: 'succeeded',
        reason: `waiting for input: ${ticket.question}`.slice(0, 2000),
      });
    if (!frame.ok) {
      const why = frame.rateLimitResetAt
        ? `the provider rate-limited the agent until ${frame.rateLimitResetAt}`
        : `the agent CLI failed: ${frame.error ?? 'no reason given'}`;
      return fail(why);
    }
    const problems: string[] = [];
    if (frame.pathViolations.length)
      problems.push(
        `These changes break the workflow's path rules, so they were reverted in your worktree and not committed or pushed; do the work without them:\n${frame.pathViolations.map((v) => `- ${v.path}: ${v.rule}`).join('\n')}`,
      );
    if (frame.afterTurnFailed)
      problems.push('A required after-turn check failed; see its output in the run log and fix the cause.');
    if (problems.length) {
      await tx.update(runs).set({ finishRequestedStatusId: null }).where(eq(runs.id, run.id));
      if (!turnsLeft)
        return fail(`turn ${frame.turn} of ${harness.max_turns} ended with unresolved problems: ${problems.join(' ')}`);
      return next(run, frame.turn, 'continue', { input: problems.join('\n\n') });
    }
    if (run.finishRequestedStatusId) return next(run, frame.turn, 'finish');
    if (version.finishStatusIds.includes(ticket.statusId))
      return next(run, frame.turn, 'stop', {
        outcome: 'succeeded',
        reason: `${ticket.identifier} is in ${status.name}`,
      });
    if (!version.pickupStatusIds.includes(ticket.statusId))
      return fail(`${ticket.identifier} was moved to ${status.name}, outside the workflow`);
    if (harness.no_progress_turns > 0 && idleTurns >= harness.no_progress_turns) {
      const reason = `${NO_PROGRESS}: ${idleTurns} turns in a row changed no file and neither moved, commented on nor reported progress on ${ticket.identifier}`;
      await recordActivity(tx, deps, changes, orchestratorActor(run.orgId), {
        projectId: ticket.projectId,
        ticketId: ticket.id,
        action: 'run.no_progress',
        entityType: 'run',
        entityId: run.id,
        summary: `${ticket.identifier}: the run stopped, ${reason}`,
      });
      return fail(reason);
    }
    if (!turnsLeft) {
      await recordActivity(tx, deps, changes, orchestratorActor(run.orgId), {
        projectId: ticket.projectId,
        ticketId: ticket.id,
        action: 'run.max_turns',
        entityType: 'run',
        entityId: run.id,
        summary: `${ticket.identifier}: the agent used all ${harness.max_turns} turns without finishing`,
      });
      return fail(`used all ${harness.max_turns} turns without finishing`);
    }
    return next(run, frame.turn, 'continue', {
      input: continuationGuidance(ticket.identifier, frame.turn, harness.max_turns, status.name),
    });
  });
}

export async function decideAfterGate(deps: Deps, msg: Fenced & { frame: RunGateFrame }): Promise<RunNextFrame> {
  const { frame } = msg;
  return inTransaction(deps, async (tx, changes) => {
    const run = await fencedAgentRun(tx, msg);
    if (run.cancelRequestedAt)
      return next(run, frame.turn, 'stop', {
        outcome: 'failed',
        reason: run.stateReason ?? 'the run was asked to stop',
      });
    const { ticket, version, harness, status } = await context(tx, run);
    const actor = orchestratorActor(run.orgId);
    const targetId = run.finishRequestedStatusId;
    if (!targetId) {
      // A repeated gate frame after a reconnect: the first one was already applied.
      if (version.finishStatusIds.includes(ticket.statusId))
        return next(run, frame.turn, 'stop', {
          outcome: 'succeeded',
          reason: `${ticket.identifier} is in ${status.name}`,
        });
      return next(run, frame.turn, 'continue', {
        input: frame.passed
          ? continuationGuidance(ticket.identifier, frame.turn, harness.max_turns, status.name)
          : frame.output,
      });
    }
    const [target] = await tx.select().from(statuses).where(eq(statuses.id, targetId));
    await tx.update(runs).set({ finishRequestedStatusId: null }).where(eq(runs.id, run.id));
    if (!frame.passed) {
      await recordActivity(tx, deps, changes, actor, {
        ...aboutTicket(ticket),
        action: 'ticket.gate_failed',
        summary: `${ticket.identifier} stays in ${status.name}: ${BEFORE_FINISH} failed (${gateVerdict(frame.output)}), so it did not move to ${target?.name ?? 'its finish status'}`,
        after: { output: frame.output.slice(-2000) },
      });
      if (frame.turn >= harness.max_turns)
        return next(run, frame.turn, 'stop', {
          outcome: 'failed',
          reason: `${BEFORE_FINISH} failed on the last turn (${harness.max_turns}): ${gateVerdict(frame.output)}`,
        });
      return next(run, frame.turn, 'continue', {
        input: refusedMovePrompt(ticket.identifier, target?.name ?? 'its finish status', frame.output),
      });
    }
    await applyMove(tx, deps, changes, actor, ticket, target!, {
      why: `requested by its agent; ${BEFORE_FINISH} passed`,
      extra: { run: run.id },
    });
    return next(run, frame.turn, 'stop', {
      outcome: 'succeeded',
      reason: `${ticket.identifier} moved to ${target!.name}`,
    });
  });
}
