/** Project AI conversations and their messages. */
import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { CONVERSATION_STATES } from '@openase/shared';
import { createdAt, timestamps, cascadeRef, ownedRow, usd } from './columns.js';
import { organizations } from './identity.js';
import { projects } from './projects.js';
import { tickets } from './tickets.js';

/**
 * Project AI conversations. Each is served by agent runs in chat mode (`runs.conversation_id`):
 * the current one while it is open, a new one (resuming the CLI session) when it is reopened.
 */
export const chatConversations = pgTable(
  'chat_conversations',
  {
    ...ownedRow('orgId', () => organizations.id),
    projectId: cascadeRef('project_id', () => projects.id),
    agentId: uuid('agent_id').notNull(),
    title: text('title').notNull(),
    state: text('state', { enum: CONVERSATION_STATES }).notNull(),
    /** The worktree branch of every run of this conversation: `openase/chat-<short id>`. */
    branch: text('branch').notNull(),
    /** Who started it (activity of its agent is attributed to them too). */
    createdById: text('created_by_id').notNull(),
    createdByName: text('created_by_name').notNull(),
    costCapUsd: usd('cost_cap_usd').notNull(),
    /** The run serving it now (null: no run yet, or it ended; the next message starts one). */
    currentRunId: uuid('current_run_id'),
    /** The CLI session to resume in the next run. */
    sessionId: text('session_id'),
    /** The machine of the latest run (placement prefers it: the worktree and CLI session are there). */
    machineId: uuid('machine_id'),
    /** The turn the current run reported and waits after for the next message; null while the agent works. */
    waitingTurn: integer('waiting_turn'),
    /** The ticket made from this conversation ("Create ticket from this"); its pull request hangs on it. */
    ticketId: uuid('ticket_id').references(() => tickets.id, { onDelete: 'set null' }),
    ...timestamps(),
  },
  (t) => [index('chat_conversations_project').on(t.projectId, t.createdAt)],
);

/** What the person said, in order; `turn` is the run turn the message is the input of (null = queued). */
export const chatMessages = pgTable(
  'chat_messages',
  {
    ...ownedRow('conversationId', () => chatConversations.id),
    seq: integer('seq').notNull(),
    runId: uuid('run_id'),
    turn: integer('turn'),
    text: text('text').notNull(),
    attachments: jsonb('attachments')
      .notNull()
      .default(sql`'[]'::jsonb`),
    /** The text the CLI received: the message with its attachments rendered. */
    input: text('input').notNull(),
    authorId: text('author_id').notNull(),
    authorName: text('author_name').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('chat_messages_conversation_seq').on(t.conversationId, t.seq)],
);
