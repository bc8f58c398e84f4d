/**
 * People of an organization: their role, per-project roles, deactivation. Every change is recorded in the
 * audit trail. An organization always keeps one active owner: the last one cannot be demoted or deactivated.
 */
import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import {
  conflict,
  forbidden,
  initialsOf,
  isUuid,
  memberRoleInput,
  notFound,
  projectRoleInput,
  roleAtLeast,
  type ProjectRole,
  type Role,
} from '@openase/shared';
import {
  apiTokens,
  memberships,
  organizations,
  projectRoles,
  projects,
  sessions,
  signInLinks,
  users,
} from '../db/schema.js';
import type { DbOrTx, Tx } from '../db/database.js';
import { recordActivity } from '../activity/activity.js';
import type { Actor, Command, Deps } from '../kernel/context.js';
import { inTransaction } from '../kernel/transaction.js';
import { inProject } from './project-write.js';
import { requireRole } from './permissions.js';
import { createSignInLink } from './sessions.js';

export interface MemberView {
  id: string;
  name: string;
  email: string;
  initials: string;
  role: Role;
  active: boolean;
  deactivatedAt: Date | null;
  joinedAt: Date;
  projectRoles: Array<{ projectId: string; project: string; role: ProjectRole }>;
}

type Row = { user: typeof users.$inferSelect; role: Role; joinedAt: Date };

function view(row: Row, overrides: MemberView['projectRoles']): MemberView {
  return {
    id: row.user.id,
    name: row.user.name,
    email: row.user.email,
    initials: initialsOf(row.user.name),
    role: row.role,
    active: !row.user.deactivatedAt,
    deactivatedAt: row.user.deactivatedAt,
    joinedAt: row.joinedAt,
    projectRoles: overrides,
  };
}

const memberColumns = { user: users, role: memberships.role, joinedAt: memberships.createdAt };

export async function listMembers(db: DbOrTx, orgId: string): Promise<MemberView[]> {
  const rows = await db
    .select(memberColumns)
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.orgId, orgId))
    .orderBy(asc(memberships.createdAt));
  const overrides = await projectRolesIn(db, orgId);
  return rows.map((r) =>
    view(
      r,
      overrides
        .filter((o) => o.userId === r.user.id)
        .map(({ projectId, project, role }) => ({ projectId, project, role })),
    ),
  );
}

/** The project roles set in the organization (of one person, with `userId`), by project. */
export async function projectRolesIn(db: DbOrTx, orgId: string, userId?: string) {
  return db
    .select({
      userId: projectRoles.userId,
      projectId: projectRoles.projectId,
      project: projects.slug,
      role: projectRoles.role,
    })
    .from(projectRoles)
    .innerJoin(projects, eq(projects.id, projectRoles.projectId))
    .where(and(eq(projects.orgId, orgId), ...(userId ? [eq(projectRoles.userId, userId)] : [])))
    .orderBy(asc(projects.slug));
}

/** A member by id or email (case-insensitive). */
export async function resolveMember(db: DbOrTx, orgId: string, ref: string): Promise<Row> {
  const key = ref.trim();
  const match = isUuid(key) ? eq(users.id, key) : sql`lower(${users.email}) = lower(${key})`;
  const [row] = await db
    .select(memberColumns)
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.orgId, orgId), match));
  if (!row) throw notFound(`nobody called "${key}" is a member; \`openase member list\` shows who is`);
  return row;
}

export async function showMember(db: DbOrTx, orgId: string, ref: string): Promise<MemberView> {
  const row = await resolveMember(db, orgId, ref);
  return (await listMembers(db, orgId)).find((m) => m.id === row.user.id)!;
}

/** Serializes membership changes of one organization (the last-owner rule needs a stable count). */
async function lockOrganization(tx: Tx, orgId: string): Promise<void> {
  await tx.select({ id: organizations.id }).from(organizations).where(eq(organizations.id, orgId)).for('update');
}

async function activeOwnerCount(tx: Tx, orgId: string): Promise<number> {
  const [row] = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.orgId, orgId), eq(memberships.role, 'owner'), isNull(users.deactivatedAt)));
  return row?.n ?? 0;
}

/** Admins manage members, but only an owner may touch an owner or make one. */
function requireCanManage(actor: Actor, target: Row, newRole?: Role): void {
  requireRole(actor, 'admin', 'manage members');
  if ((target.role === 'owner' || newRole === 'owner') && actor.role !== 'owner')
    throw forbidden('only an owner can change an owner or make someone an owner; ask an organization owner');
}

export const setMemberRole: Command<typeof memberRoleInput, MemberView> = async (deps, actor, raw) => {
  const input = memberRoleInput.parse(raw);
  await inTransaction(deps, async (tx, changes) => {
    await lockOrganization(tx, actor.orgId);
    const target = await resolveMember(tx, actor.orgId, input.user);
    requireCanManage(actor, target, input.role);
    if (target.role === input.role) return;
    if (target.role === 'owner' && !target.user.deactivatedAt && (await activeOwnerCount(tx, actor.orgId)) <= 1)
      throw conflict(`${target.user.name} is the last owner; make someone else an owner first`);
    await tx
      .update(memberships)
      .set({ role: input.role })
      .where(and(eq(memberships.orgId, actor.orgId), eq(memberships.userId, target.user.id)));
    await recordActivity(tx, deps, changes, actor, {
      projectId: null,
      action: 'member.role_changed',
      entityType: 'user',
      entityId: target.user.id,
      summary: `changed ${target.user.name}'s role from ${target.role} to ${input.role}`,
      before: { role: target.role },
      after: { role: input.role },
    });
  });
  return showMember(deps.db, actor.orgId, input.user);
};

export const setProjectRole: Command<typeof projectRoleInput, MemberView> = async (deps, actor, raw) => {
  const input = projectRoleInput.parse(raw);
  await inProject(deps, actor, input.project, async (tx, changes, project) => {
    const target = await resolveMember(tx, actor.orgId, input.user);
    requireCanManage(actor, target);
    if (roleAtLeast(target.role, 'admin'))
      throw conflict(`${target.user.name} is an organization ${target.role} and keeps that role in every project`);
    const key = and(eq(projectRoles.projectId, project.id), eq(projectRoles.userId, target.user.id));
    const [before] = await tx.select().from(projectRoles).where(key);
    if ((before?.role ?? null) === input.role) return;
    if (input.role === null) await tx.delete(projectRoles).where(key);
    else
      await tx
        .insert(projectRoles)
        .values({ projectId: project.id, userId: target.user.id, role: input.role, createdAt: deps.clock.now() })
        .onConflictDoUpdate({ target: [projectRoles.projectId, projectRoles.userId], set: { role: input.role } });
    await recordActivity(tx, deps, changes, actor, {
      projectId: project.id,
      action: 'member.project_role_changed',
      entityType: 'user',
      entityId: target.user.id,
      summary:
        input.role === null
          ? `removed ${target.user.name}'s role in ${project.slug} (the organization role ${target.role} applies)`
          : `made ${target.user.name} ${input.role} in ${project.slug}`,
      before: { role: before?.role ?? null },
      after: { role: input.role },
    });
  });
  return showMember(deps.db, actor.orgId, input.user);
};

/** Revokes every way a person is signed in: sessions, API tokens and unused sign-in links. */
export async function revokeCredentials(tx: Tx, now: Date, userId: string): Promise<void> {
  await tx
    .update(sessions)
    .set({ revokedAt: now })
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)));
  await tx
    .update(apiTokens)
    .set({ revokedAt: now })
    .where(and(eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)));
  await tx
    .update(signInLinks)
    .set({ usedAt: now })
    .where(and(eq(signInLinks.userId, userId), isNull(signInLinks.usedAt)));
}

export async function setMemberActive(deps: Deps, actor: Actor, ref: string, active: boolean): Promise<MemberView> {
  await inTransaction(deps, async (tx, changes) => {
    await lockOrganization(tx, actor.orgId);
    const target = await resolveMember(tx, actor.orgId, ref);
    requireCanManage(actor, target);
    if (!target.user.deactivatedAt === active) return;
    const now = deps.clock.now();
    if (!active) {
      if (target.user.id === actor.userId)
        throw conflict('you cannot deactivate yourself; ask another admin (or an owner) to do it');
      if (target.role === 'owner' && (await activeOwnerCount(tx, actor.orgId)) <= 1)
        throw conflict(`${target.user.name} is the last owner; make someone else an owner first`);
      await revokeCredentials(tx, now, target.user.id);
    }
    await tx
      .update(users)
      .set({ deactivatedAt: active ? null : now })
      .where(eq(users.id, target.user.id));
    await recordActivity(tx, deps, changes, actor, {
      projectId: null,
      action: active ? 'member.reactivated' : 'member.deactivated',
      entityType: 'user',
      entityId: target.user.id,
      summary: active
        ? `reactivated ${target.user.name} (they sign in again with a sign-in link an admin makes for them)`
        : `deactivated ${target.user.name}; their sessions and API tokens were revoked`,
    });
  });
  return showMember(deps.db, actor.orgId, ref);
}

export async function updateOwnName(deps: Deps, actor: Actor, name: string): Promise<MemberView> {
  if (!actor.userId) throw forbidden('only a person has a profile');
  await inTransaction(deps, async (tx, changes) => {
    const [before] = await tx.select().from(users).where(eq(users.id, actor.userId!));
    await tx.update(users).set({ name }).where(eq(users.id, actor.userId!));
    await recordActivity(tx, deps, changes, actor, {
      projectId: null,
      action: 'member.renamed',
      entityType: 'user',
      entityId: actor.userId!,
      summary: `renamed themself from ${before?.name} to ${name}`,
    });
  });
  return showMember(deps.db, actor.orgId, actor.userId);
}

/** Creates a person and their membership (invitation accepted, or first OIDC sign-in). */
export async function addPerson(
  tx: Tx,
  deps: Pick<Deps, 'ids' | 'clock'>,
  orgId: string,
  person: { email: string; name: string; role: Role },
): Promise<{ id: string; name: string }> {
  const [taken] = await tx
    .select({ id: users.id })
    .from(users)
    .where(sql`lower(${users.email}) = lower(${person.email})`);
  if (taken)
    throw conflict(`${person.email} already has an account here; sign in instead (ask an admin for a sign-in link)`);
  const id = deps.ids.uuid();
  const now = deps.clock.now();
  await tx.insert(users).values({ id, email: person.email, name: person.name, createdAt: now });
  await tx.insert(memberships).values({ orgId, userId: id, role: person.role, createdAt: now });
  return { id, name: person.name };
}

/**
 * A one-time sign-in link for another person, made by an admin: the way back in for someone who lost every session
 * and token, or was reactivated (their credentials stay revoked). Recorded in the audit trail; the link is shown
 * once, to the admin, who hands it over.
 */
export async function signInLinkFor(deps: Deps, actor: Actor, ref: string): Promise<{ code: string; expiresAt: Date }> {
  return inTransaction(deps, async (tx, changes) => {
    const target = await resolveMember(tx, actor.orgId, ref);
    if (target.user.id !== actor.userId) requireCanManage(actor, target);
    if (target.user.deactivatedAt)
      throw conflict(`${target.user.name} is deactivated; reactivate them first (\`openase member reactivate\`)`);
    const link = await createSignInLink(tx, deps, target.user.id);
    await recordActivity(tx, deps, changes, actor, {
      projectId: null,
      action: 'auth.signin_link_created',
      entityType: 'user',
      entityId: target.user.id,
      summary: `made a one-time sign-in link for ${target.user.name}`,
      after: { expiresAt: link.expiresAt },
    });
    return link;
  });
}
