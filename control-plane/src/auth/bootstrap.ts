/**
 * First start: the default organization and its first owner (named admin). Idempotent, so every start runs it;
 * only the very first creates the admin and a one-time sign-in link.
 */
import { asc, eq, sql } from 'drizzle-orm';
import { memberships, organizations, users } from '../db/schema.js';
import type { Deps } from '../kernel/context.js';
import type { DbOrTx } from '../db/database.js';
import { ADVISORY_LOCKS } from '../db/advisory-locks.js';
import { createSignInLink } from './sessions.js';

export interface BootstrapResult {
  orgId: string;
  adminUserId: string;
  /** Present only when this start created the first admin. */
  firstSignInCode?: string;
}

export const DEFAULT_ORG_SLUG = 'default';

export async function bootstrapInstance(deps: Deps): Promise<BootstrapResult> {
  return deps.db.transaction(async (tx) => {
    // Several control planes may start at once on one PostgreSQL: one bootstraps, the rest wait.
    await tx.execute(sql`select pg_advisory_xact_lock(${ADVISORY_LOCKS.bootstrap})`);
    const now = deps.clock.now();
    let [org] = await tx.select().from(organizations).where(eq(organizations.slug, DEFAULT_ORG_SLUG));
    if (!org) {
      [org] = await tx
        .insert(organizations)
        .values({ id: deps.ids.uuid(), name: 'Default', slug: DEFAULT_ORG_SLUG, createdAt: now })
        .onConflictDoNothing()
        .returning();
      if (!org) [org] = await tx.select().from(organizations).where(eq(organizations.slug, DEFAULT_ORG_SLUG));
    }
    const [admin] = await tx
      .select({ userId: memberships.userId })
      .from(memberships)
      .where(eq(memberships.orgId, org!.id))
      .orderBy(asc(memberships.createdAt))
      .limit(1);
    if (admin) return { orgId: org!.id, adminUserId: admin.userId };
    const userId = deps.ids.uuid();
    await tx.insert(users).values({ id: userId, email: 'admin@localhost', name: 'admin', createdAt: now });
    await tx.insert(memberships).values({ orgId: org!.id, userId, role: 'owner', createdAt: now });
    const link = await createSignInLink(tx, deps, userId);
    return { orgId: org!.id, adminUserId: userId, firstSignInCode: link.code };
  });
}

const orgIds = new WeakMap<object, string>();
/** The instance's organization (one per instance today); it never changes once bootstrapped. */
export async function instanceOrgId(db: DbOrTx): Promise<string> {
  const cached = orgIds.get(db);
  if (cached) return cached;
  const [org] = await db
    .select({ id: organizations.id })
    .from(organizations)
    .where(eq(organizations.slug, DEFAULT_ORG_SLUG));
  if (!org) throw new Error('the instance has no organization yet (bootstrap has not run)');
  orgIds.set(db, org.id);
  return org.id;
}
