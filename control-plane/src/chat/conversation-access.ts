/**
 * Reaching one conversation: by id or id prefix, and for work on it, with the role its project asks of the actor
 * (a project role replaces the organization role there, as for all project work: auth/project-write.ts).
 */
import { and, eq, like, sql } from 'drizzle-orm';
import { badRequest, notFound } from '@openase/shared';
import { chatConversations } from '../db/schema.js';
import type { DbOrTx, Tx } from '../db/database.js';
import type { Actor, Deps } from '../kernel/context.js';
import { inTransaction, type Changes } from '../kernel/transaction.js';
import { requireRoleIn, requireRoleSomewhere } from '../auth/permissions.js';
import type { ProjectNeed } from '../auth/project-write.js';
import type { Conversation } from './chat-job.js';

/** A conversation by id or unique id prefix. */
export async function resolveConversation(
  db: DbOrTx,
  orgId: string,
  ref: string,
  forUpdate = false,
): Promise<Conversation> {
  const exact = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(ref);
  const q = db
    .select()
    .from(chatConversations)
    .where(
      and(
        eq(chatConversations.orgId, orgId),
        exact ? eq(chatConversations.id, ref) : like(sql`${chatConversations.id}::text`, `${ref}%`),
      ),
    )
    .limit(2);
  const rows = forUpdate ? await q.for('update') : await q;
  if (rows.length === 0)
    throw notFound(`conversation ${ref} does not exist; list them with \`openase chat list --project P\``);
  if (rows.length > 1) throw badRequest(`conversation id prefix ${ref} is ambiguous; give more characters`);
  return rows[0]!;
}

type ConversationWork<T> = (tx: Tx, changes: Changes, c: Conversation) => Promise<T>;

/**
 * Runs `work` in one transaction with the conversation `ref` names, locked, once the actor's role in its project
 * meets `need`: refused at once unless the actor holds the role somewhere, then in the conversation's project.
 */
export async function inConversationAs<T>(...args: Parameters<typeof onConversation<T>>): Promise<T> {
  const [deps, actor, need] = args;
  await requireRoleSomewhere(deps.db, actor, need.min, need.what);
  return onConversation(...args);
}

/** `inConversationAs` once the first check was made with the input's parse (`memberInput`). */
export function onConversation<T>(
  deps: Deps,
  actor: Actor,
  need: ProjectNeed,
  ref: string,
  work: ConversationWork<T>,
): Promise<T> {
  return inTransaction(deps, async (tx, changes) => {
    const c = await resolveConversation(tx, actor.orgId, ref, true);
    await requireRoleIn(tx, actor, c.projectId, need.min, need.what);
    return work(tx, changes, c);
  });
}
