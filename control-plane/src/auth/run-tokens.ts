/**
 * Run tokens `oar_<id>_<secret>`: what an agent's `openase` wrapper authenticates with. A token
 * belongs to one run, is confined to that run's ticket and project, carries the workflow's run
 * scopes, and stops working when the run ends (revoked) or its deadline passes (expired).
 * What each scope allows is enforced at the API edge (api/agent-access.ts).
 */
import { and, eq, isNull } from 'drizzle-orm';
import { unauthorized } from '@openase/shared';
import { chatConversations, runs, runTokens, tickets } from '../db/schema.js';
import { ticketOfRun } from '../kernel/lookups.js';
import type { Tx } from '../db/database.js';
import type { Actor, Deps } from '../kernel/context.js';
import { insertWithSecret, parseSecret, secretMatches } from './secrets.js';

const ACTIVE = new Set(['queued', 'offered', 'preparing', 'running']);

export async function mintRunToken(
  tx: Tx,
  deps: Pick<Deps, 'ids' | 'clock'>,
  grant: { runId: string; scopes: readonly string[]; moveToStatusIds: readonly string[]; expiresAt: Date },
): Promise<string> {
  const { token } = await insertWithSecret(tx, deps.ids, 'oar', runTokens, {
    runId: grant.runId,
    scopes: [...new Set(grant.scopes)],
    moveToStatusIds: [...new Set(grant.moveToStatusIds)],
    createdAt: deps.clock.now(),
    expiresAt: grant.expiresAt,
  });
  return token;
}

/** Ends every token of a run (called when the run ends or is offered again with a new lease). */
export async function revokeRunTokens(tx: Tx, deps: Pick<Deps, 'clock'>, runId: string): Promise<void> {
  await tx
    .update(runTokens)
    .set({ revokedAt: deps.clock.now() })
    .where(and(eq(runTokens.runId, runId), isNull(runTokens.revokedAt)));
}

export async function authenticateRunToken(deps: Pick<Deps, 'db' | 'clock'>, bearer: string): Promise<Actor> {
  const parsed = parseSecret(bearer, 'oar');
  if (!parsed) throw unauthorized('the run token is malformed; run tokens look like oar_<id>_<secret>');
  const [row] = await deps.db
    .select({
      token: runTokens,
      run: { id: runs.id, orgId: runs.orgId, projectId: runs.projectId, state: runs.state, ticketId: runs.ticketId },
      ticket: { identifier: tickets.identifier },
      conversation: {
        id: chatConversations.id,
        createdById: chatConversations.createdById,
        createdByName: chatConversations.createdByName,
      },
    })
    .from(runTokens)
    .innerJoin(runs, eq(runs.id, runTokens.runId))
    .leftJoin(tickets, ticketOfRun())
    .leftJoin(chatConversations, eq(chatConversations.id, runs.conversationId))
    .where(eq(runTokens.id, parsed.id));
  if (!row || !secretMatches(parsed.secret, row.token.secretHash)) throw unauthorized('the run token is not valid');
  if (row.token.revokedAt || !ACTIVE.has(row.run.state))
    throw unauthorized(`the run token is no longer valid: run ${row.run.id} has ended (${row.run.state})`);
  if (row.token.expiresAt <= deps.clock.now())
    throw unauthorized(`the run token expired at ${row.token.expiresAt.toISOString()}`);
  if (!row.run.projectId || (!row.ticket && !row.conversation))
    throw unauthorized('the run token belongs to a run without a ticket or conversation');
  const chat = row.conversation;
  return {
    type: 'agent',
    id: row.run.id,
    // A conversation's agent acts for the person who started it: both are named in the activity log.
    name: chat
      ? projectAiActorName(chat.id, chat.createdByName)
      : `agent (${row.ticket!.identifier}, run ${row.run.id.slice(0, 8)})`,
    ...(chat ? { userId: chat.createdById } : {}),
    orgId: row.run.orgId,
    role: 'member',
    // Generic API scopes let it reach procedures; api/agent-access.ts decides what it may call.
    scopes: ['read', 'write'],
    run: {
      runId: row.run.id,
      ticketId: row.run.ticketId,
      projectId: row.run.projectId,
      ...(chat ? { conversationId: chat.id } : {}),
      scopes: row.token.scopes,
      moveToStatusIds: row.token.moveToStatusIds,
    },
  };
}

/** "Project AI (conversation 3f2a1b2c, started by admin)": how a conversation's actions are attributed. */
export function projectAiActorName(conversationId: string, startedBy: string): string {
  return `Project AI (conversation ${conversationId.slice(0, 8)}, started by ${startedBy})`;
}
