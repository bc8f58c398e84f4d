/**
 * Runs (commands, agent runs, chat runs), their transitions and events, and the tokens their agents call the platform
 * with.
 */
import { bigserial, primaryKey, index, uniqueIndex, integer, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { RUN_KINDS, RUN_STATES } from '@openase/shared';
import { sql } from 'drizzle-orm';
import { createdAt, tstz, updatedAt, cascadeRef, ownedRow, credentialRow, usd, tokenCounts } from './columns.js';
import { machines } from './fleet.js';
import { organizations } from './identity.js';
import { projects } from './projects.js';
import { tickets } from './tickets.js';

/**
 * The first columns of a run and of its approvals: the id, the organization, and the project and ticket if any
 * (deleted with each of them).
 */
const runScope = () => ({
  ...ownedRow('orgId', () => organizations.id),
  projectId: uuid('project_id').references(() => projects.id, { onDelete: 'cascade' }),
  ticketId: uuid('ticket_id').references(() => tickets.id, { onDelete: 'cascade' }),
});

/**
 * A run: one execution on a machine, either a plain command started by hand or an agent working
 * a ticket under a pinned workflow version. `lease_epoch` fences every daemon message: it is
 * bumped on each offer, and a message carrying another epoch is refused.
 */
export const runs = pgTable(
  'runs',
  {
    ...runScope(),
    workflowId: uuid('workflow_id'),
    workflowVersionId: uuid('workflow_version_id'),
    agentId: uuid('agent_id'),
    /** Where it runs; null while queued and unplaced. */
    machineId: uuid('machine_id').references(() => machines.id),
    kind: text('kind', { enum: RUN_KINDS }).notNull(),
    /** What the daemon is asked to execute (the offer's spec, secrets excluded). */
    spec: jsonb('spec').notNull(),
    attempt: integer('attempt').notNull().default(1),
    state: text('state', { enum: RUN_STATES }).notNull(),
    stateReason: text('state_reason'),
    leaseEpoch: integer('lease_epoch').notNull().default(0),
    leaseExpiresAt: tstz('lease_expires_at'),
    /** The agent CLI's own session id, for resume across runs of the same ticket. */
    sessionId: text('session_id'),
    /** Highest seq stored with every lower seq present: what the control plane acks. */
    ackedSeq: integer('acked_seq').notNull().default(0),
    /** Highest seq stored at all. Above `ackedSeq` only after a gap (runs/ingest.ts reads the stored seqs then). */
    storedSeq: integer('stored_seq').notNull().default(0),
    exitCode: integer('exit_code'),
    signal: text('signal'),
    /** A cancel was asked for; the daemon is told (again on every reconnect) until the run ends. */
    cancelRequestedAt: tstz('cancel_requested_at'),
    /**
     * The terminal state a requested stop ends in: canceled (a person, a move), timed_out, stalled, failed (budget).
     */
    stopAs: text('stop_as', { enum: ['canceled', 'timed_out', 'stalled', 'failed'] }),
    /** When the orchestrator applied the run's outcome to its ticket (retry, park); makes that once-only. */
    settledAt: tstz('settled_at'),
    /** When the daemon removed the ticket's workspace after the ticket was done (agent runs). */
    workspaceRemovedAt: tstz('workspace_removed_at'),
    /** The agent asked (with its run token) to move its ticket here; applied once the before_finish gate passes. */
    finishRequestedStatusId: uuid('finish_requested_status_id'),
    /** Project AI: the conversation this run serves (a chat run has no ticket and no workflow). */
    conversationId: uuid('conversation_id'),
    /**
     * Steering: messages people sent to the live run (`runs.steer`), delivered as the next turn's input and then
     * cleared. `[{ text, by, at }]`.
     */
    pendingInput: jsonb('pending_input'),
    /** Per repository, the commit the run started from and its branch head after the last turn (`run.turn` commits). */
    commits: jsonb('commits'),
    /** Agent runs: turns in a row that changed no file and left no agent action on the ticket (`no_progress_turns`). */
    idleTurns: integer('idle_turns').notNull().default(0),
    /** Agent runs: how many activity entries its agent had made (moves, comments, progress) at its last turn's end. */
    agentActions: integer('agent_actions').notNull().default(0),
    ...tokenCounts(),
    costUsd: usd('cost_usd').notNull().default(0),
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
    startedAt: tstz('started_at'),
    finishedAt: tstz('finished_at'),
    /** Time of the newest event: stall detection compares against it. */
    lastEventAt: tstz('last_event_at'),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('runs_state').on(t.state),
    index('runs_ticket').on(t.ticketId),
    index('runs_machine_state').on(t.machineId, t.state),
    // The runs page (runs.list, runs/runs.ts): an org's runs newest first by the millisecond, without reading them all.
    index('runs_org_created').on(
      t.orgId,
      sql`date_trunc('milliseconds', ${t.createdAt} at time zone 'UTC') desc`,
      t.id.desc().nullsFirst(),
    ),
  ],
);

/** Every state change of a run, with why. */
export const runTransitions = pgTable(
  'run_transitions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    runId: cascadeRef('run_id', () => runs.id),
    fromState: text('from_state'),
    toState: text('to_state').notNull(),
    reason: text('reason').notNull(),
    at: tstz('at').notNull(),
  },
  (t) => [index('run_transitions_run').on(t.runId)],
);

/**
 * The run's normalized events (shared/src/events/run-events.ts). `(run_id, seq)` is the primary
 * key, so ingest is idempotent: a resent batch inserts nothing twice.
 *
 * No foreign key to `runs`: its check cost PostgreSQL more than the rest of storing a row (50,000 rows: 430 ms with
 * it, 170 without; docs/performance.md), and ingest already holds the run's row locked while it inserts. A run's
 * events still go with it: a statement trigger on `runs` deletes them (migration 0021).
 */
export const runEvents = pgTable(
  'run_events',
  {
    runId: uuid('run_id').notNull(),
    seq: integer('seq').notNull(),
    ts: tstz('ts').notNull(),
    type: text('type').notNull(),
    payload: jsonb('payload').notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.seq] })],
);

/**
 * A run's own `openase` token `oar_<id>_<secret>`: scoped to the run's ticket and the workflow's
 * `scopes:`, valid only while the run is active (revoked when it ends, expired at the run's
 * deadline). Only the SHA-256 of the secret is stored.
 */
export const runTokens = pgTable(
  'run_tokens',
  {
    ...credentialRow('runId', () => runs.id),
    /** Plain scopes from the run-token vocabulary (shared/src/domain/run-scopes.ts). */
    scopes: text('scopes').array().notNull(),
    /**
     * Statuses the agent may move its ticket to: the workflow's finish statuses plus `tickets.move:<Status>` grants.
     */
    moveToStatusIds: uuid('move_to_status_ids').array().notNull(),
    createdAt: createdAt(),
    expiresAt: tstz('expires_at').notNull(),
    revokedAt: tstz('revoked_at'),
  },
  (t) => [index('run_tokens_run').on(t.runId)],
);

/**
 * A tool call of an agent run waiting for a person (harness `tools.ask`): the daemon holds the CLI's permission request
 * open until a member approves or declines, or `approval_timeout_minutes` declines it. `(run_id, request_id)` is
 * unique, so a resent `run.approval` after a reconnect records nothing twice.
 */
export const runApprovals = pgTable(
  'run_approvals',
  {
    ...runScope(),
    runId: cascadeRef('run_id', () => runs.id),
    /** The daemon's id of the request (`run.approval` approvalId). */
    requestId: text('request_id').notNull(),
    tool: text('tool').notNull(),
    /** The exact command, or the path for a file tool. */
    detail: text('detail').notNull(),
    /** The `tools.ask` pattern it matched. */
    rule: text('rule').notNull(),
    state: text('state', { enum: ['waiting', 'approved', 'declined'] }).notNull(),
    /** Who decided: a person's name, or "approval timeout". */
    decidedBy: text('decided_by'),
    reason: text('reason'),
    createdAt: createdAt(),
    /** Declined by itself at this time (null: waits as long as the run lives). */
    expiresAt: tstz('expires_at'),
    decidedAt: tstz('decided_at'),
  },
  (t) => [
    uniqueIndex('run_approvals_request').on(t.runId, t.requestId),
    index('run_approvals_waiting').on(t.state, t.expiresAt),
    index('run_approvals_ticket').on(t.ticketId),
  ],
);
