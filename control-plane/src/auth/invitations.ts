/**
 * Invitations by link: an admin creates one for a role (optionally bound to one email address); the link
 * `<url>/invite#oin_<id>_<secret>` is shown once, works once, expires, and can be revoked. Accepting creates the
 * person and their membership; the HTTP edge then starts a browser session, or the CLI gets an API token.
 */
import { and, desc, eq, sql } from 'drizzle-orm';
import {
  conflict,
  forbidden,
  invitationCodeFrom,
  invitationCreateInput,
  notFound,
  unauthorized,
  type Role,
} from '@openase/shared';
import { invitations, memberships, organizations, users } from '../db/schema.js';
import type { DbOrTx, Tx } from '../db/database.js';
import { recordActivity } from '../activity/activity.js';
import type { Actor, Command, Deps } from '../kernel/context.js';
import type { Changes } from '../kernel/transaction.js';
import { allowedInput } from './project-write.js';
import { inTransaction } from '../kernel/transaction.js';
import { requireRole } from './permissions.js';
import { insertWithSecret, parseSecret, secretMatches } from './secrets.js';
import { addPerson } from './members.js';

export type Invitation = typeof invitations.$inferSelect;
export type InvitationState = 'pending' | 'accepted' | 'revoked' | 'expired';
export type InvitationView = Omit<Invitation, 'secretHash'> & { state: InvitationState };

function stateOf(inv: Invitation, now: Date): InvitationState {
  if (inv.acceptedAt) return 'accepted';
  if (inv.revokedAt) return 'revoked';
  if (inv.expiresAt <= now) return 'expired';
  return 'pending';
}

function view(inv: Invitation, now: Date): InvitationView {
  const { secretHash: _hidden, ...rest } = inv;
  return { ...rest, state: stateOf(inv, now) };
}

/** The path of an invitation link; the code travels in the fragment, so it never reaches a server log. */
export const invitationPath = (code: string) => `/invite#${code}`;

export interface InvitationCreated {
  code: string;
  path: string;
  invitation: InvitationView;
}

export const createInvitation: Command<typeof invitationCreateInput, InvitationCreated> = async (deps, actor, raw) => {
  const input = allowedInput(actor, 'admin', 'invite people', invitationCreateInput, raw);
  return inTransaction(deps, async (tx, changes) => {
    // An invitation for someone who is a member already could never be accepted.
    const [member] = input.email
      ? await tx
          .select({ name: users.name, deactivatedAt: users.deactivatedAt })
          .from(users)
          .innerJoin(memberships, and(eq(memberships.userId, users.id), eq(memberships.orgId, actor.orgId)))
          .where(sql`lower(${users.email}) = lower(${input.email})`)
      : [];
    if (member)
      throw conflict(
        `${input.email} is already a member here (${member.name}); ${member.deactivatedAt ? 'reactivate them, then ' : ''}make them a sign-in link instead of an invitation`,
      );
    const now = deps.clock.now();
    const { row: inv, token: code } = await insertWithSecret(tx, deps.ids, 'oin', invitations, {
      orgId: actor.orgId,
      email: input.email ?? null,
      role: input.role,
      invitedById: actor.userId ?? null,
      invitedByName: actor.name,
      createdAt: now,
      expiresAt: new Date(now.getTime() + input.expiresInHours * 3600_000),
    });
    await recordActivity(tx, deps, changes, actor, {
      projectId: null,
      action: 'invitation.created',
      entityType: 'invitation',
      entityId: inv.id,
      summary: `invited ${input.email ?? 'someone (any email)'} as ${input.role}`,
      after: { email: input.email ?? null, role: input.role, expiresAt: inv.expiresAt },
    });
    return { code, path: invitationPath(code), invitation: view(inv, now) };
  });
};

export async function listInvitations(db: DbOrTx, actor: Actor, now: Date): Promise<InvitationView[]> {
  requireRole(actor, 'admin', 'see invitations');
  const rows = await db
    .select()
    .from(invitations)
    .where(eq(invitations.orgId, actor.orgId))
    .orderBy(desc(invitations.createdAt))
    .limit(500);
  return rows.map((r) => view(r, now));
}

export async function revokeInvitation(deps: Deps, actor: Actor, id: string): Promise<InvitationView> {
  requireRole(actor, 'admin', 'revoke invitations');
  return inTransaction(deps, async (tx, changes) => {
    const [inv] = await tx
      .select()
      .from(invitations)
      .where(and(eq(invitations.id, id), eq(invitations.orgId, actor.orgId)));
    if (!inv) throw notFound(`invitation ${id} does not exist; \`openase member invitations\` lists them`);
    const now = deps.clock.now();
    if (stateOf(inv, now) !== 'pending') return view(inv, now);
    const [revoked] = await tx.update(invitations).set({ revokedAt: now }).where(eq(invitations.id, id)).returning();
    await recordActivity(tx, deps, changes, actor, {
      projectId: null,
      action: 'invitation.revoked',
      entityType: 'invitation',
      entityId: id,
      summary: `revoked the invitation of ${inv.email ?? 'someone (any email)'} as ${inv.role}`,
    });
    return view(revoked!, now);
  });
}

const ASK_AGAIN = 'ask whoever invited you for a new invitation';

/** Finds a pending invitation by its code, or says exactly why it cannot be used. */
async function pendingInvitation(db: DbOrTx, now: Date, linkOrCode: string, lock = false): Promise<Invitation> {
  const parsed = parseSecret(invitationCodeFrom(linkOrCode), 'oin');
  if (!parsed) throw unauthorized(`this invitation link is incomplete or malformed; ${ASK_AGAIN}`);
  const query = db.select().from(invitations).where(eq(invitations.id, parsed.id));
  const [inv] = lock ? await query.for('update') : await query;
  if (!inv || !secretMatches(parsed.secret, inv.secretHash)) throw unauthorized('this invitation link is not valid');
  const state = stateOf(inv, now);
  if (state === 'accepted') throw unauthorized(`this invitation has already been used; ${ASK_AGAIN}`);
  if (state === 'revoked') throw unauthorized(`this invitation was revoked; ${ASK_AGAIN}`);
  if (state === 'expired') throw unauthorized(`this invitation has expired; ${ASK_AGAIN}`);
  return inv;
}

/** What the accept page shows before anyone commits to anything. */
export async function previewInvitation(
  deps: Pick<Deps, 'db' | 'clock'>,
  linkOrCode: string,
): Promise<{ organization: string; role: Role; email: string | null; invitedBy: string; expiresAt: Date }> {
  const inv = await pendingInvitation(deps.db, deps.clock.now(), linkOrCode);
  const [org] = await deps.db.select().from(organizations).where(eq(organizations.id, inv.orgId));
  return {
    organization: org!.name,
    role: inv.role,
    email: inv.email,
    invitedBy: inv.invitedByName,
    expiresAt: inv.expiresAt,
  };
}

/**
 * Accepts an invitation inside `tx`: creates the person with the invitation's role. `email` must be the
 * invited address when the invitation names one. Returns the new user.
 */
export async function acceptInvitation(
  tx: Tx,
  deps: Pick<Deps, 'ids' | 'clock'>,
  changes: Changes,
  person: { code: string; name: string; email?: string | undefined },
): Promise<{ id: string; name: string; orgId: string; role: Role }> {
  const now = deps.clock.now();
  const inv = await pendingInvitation(tx, now, person.code, true);
  const email = person.email ?? inv.email;
  if (!email) throw forbidden('this invitation is not bound to an address: give your email address');
  if (inv.email && inv.email.toLowerCase() !== email.toLowerCase())
    throw forbidden(`this invitation is for ${inv.email}, not ${email}; ${ASK_AGAIN}`);
  const user = await addPerson(tx, deps, inv.orgId, { email, name: person.name, role: inv.role });
  const updated = await tx
    .update(invitations)
    .set({ acceptedAt: now, acceptedById: user.id })
    .where(eq(invitations.id, inv.id))
    .returning();
  if (updated.length !== 1) throw conflict('the invitation changed while it was being accepted; try again');
  const actor: Actor = {
    type: 'user',
    id: user.id,
    name: user.name,
    orgId: inv.orgId,
    userId: user.id,
    role: inv.role,
  };
  await recordActivity(tx, deps, changes, actor, {
    projectId: null,
    action: 'invitation.accepted',
    entityType: 'invitation',
    entityId: inv.id,
    summary: `${user.name} <${email}> accepted the invitation of ${inv.invitedByName} and joined as ${inv.role}`,
    after: { userId: user.id, email, role: inv.role },
  });
  return { ...user, orgId: inv.orgId, role: inv.role };
}
