import { expect, it } from 'vitest';
import { forEachDatabase } from '@openase/test-kit/databases';
import { expectCode } from '../../test/expect-code.js';
import { inTransaction } from '../kernel/transaction.js';
import type { Actor } from '../kernel/context.js';
import { createProject } from '../projects/projects.js';
import { listAudit, auditCsv } from '../activity/audit.js';
import {
  acceptInvitation,
  createInvitation,
  listInvitations,
  previewInvitation,
  revokeInvitation,
} from './invitations.js';
import { listMembers, setMemberActive, setMemberRole, setProjectRole, signInLinkFor } from './members.js';
import { roleInProject } from './permissions.js';
import { authenticateSession, createSession, redeemSignInLink } from './sessions.js';
import { authenticateToken, issueToken, listTokens } from './tokens.js';

forEachDatabase('people', (get) => {
  const join = async (code: string, name: string, email?: string) => {
    const { deps } = get();
    return inTransaction(deps, (tx, changes) => acceptInvitation(tx, deps, changes, { code, name, email }));
  };
  const actorOf = (u: { id: string; name: string; role: Actor['role'] }): Actor => ({
    type: 'user',
    id: u.id,
    name: u.name,
    orgId: get().admin.orgId,
    userId: u.id,
    role: u.role,
  });

  it('invites by link: one-time, bound to its email, revocable, and the joiner gets the role', async () => {
    const { deps, admin } = get();
    const inv = await createInvitation(deps, admin, { email: 'Ada@Example.com', role: 'member' });
    expect(inv.path).toBe(`/invite#${inv.code}`);
    expect(await previewInvitation(deps, `http://x/invite#${inv.code}`)).toMatchObject({
      role: 'member',
      email: 'ada@example.com',
      invitedBy: 'admin',
    });
    await expectCode(join(inv.code, 'Ada', 'eve@example.com'), 'FORBIDDEN', /is for ada@example.com/);
    const ada = await join(inv.code, 'Ada Lovelace');
    expect(ada.role).toBe('member');
    await expectCode(join(inv.code, 'Again', 'ada2@example.com'), 'UNAUTHORIZED', /already been used/);
    const open = await createInvitation(deps, admin, { role: 'viewer' });
    await expectCode(join(open.code, 'No Email'), 'FORBIDDEN', /give your email/);
    await revokeInvitation(deps, admin, open.invitation.id);
    await expectCode(join(open.code, 'Late', 'late@example.com'), 'UNAUTHORIZED', /revoked/);
    await expectCode(join(open.code.slice(0, -3) + 'xyz', 'Forged', 'f@example.com'), 'UNAUTHORIZED', /not valid/);
    const states = (await listInvitations(deps.db, admin, new Date())).map((i) => i.state);
    expect(states).toEqual(expect.arrayContaining(['accepted', 'revoked']));
    const members = await listMembers(deps.db, admin.orgId);
    expect(members.find((m) => m.email === 'ada@example.com')).toMatchObject({ initials: 'AL', role: 'member' });
    await expectCode(
      createInvitation(deps, actorOf({ ...ada, role: 'member' }), { role: 'viewer' }),
      'FORBIDDEN',
      /cannot invite people/,
    );
  });

  it('keeps the last owner and lets only owners touch owners', async () => {
    const { deps, admin } = get();
    await expectCode(setMemberRole(deps, admin, { user: admin.userId!, role: 'admin' }), 'CONFLICT', /last owner/);
    await expectCode(setMemberActive(deps, admin, admin.userId!, false), 'CONFLICT', /yourself/);
    const inv = await createInvitation(deps, admin, { role: 'admin' });
    const bob = await join(inv.code, 'Bob', 'bob@example.com');
    const bobActor = actorOf(bob);
    await expectCode(
      setMemberRole(deps, bobActor, { user: admin.userId!, role: 'member' }),
      'FORBIDDEN',
      /only an owner/,
    );
    await expectCode(setMemberRole(deps, bobActor, { user: 'bob@example.com', role: 'owner' }), 'FORBIDDEN', /owner/);
    await setMemberRole(deps, admin, { user: 'bob@example.com', role: 'owner' });
    // Two owners now: the first may step down.
    await setMemberRole(deps, admin, { user: admin.userId!, role: 'owner' });
    await setMemberRole(deps, { ...bobActor, role: 'owner' }, { user: 'bob@example.com', role: 'admin' });
    const roles = (await listMembers(deps.db, admin.orgId)).map((m) => `${m.name}:${m.role}`);
    expect(roles).toContain('Bob:admin');
  });

  it('deactivation ends sessions and tokens; reactivation does not revive them', async () => {
    const { deps, admin } = get();
    const inv = await createInvitation(deps, admin, { role: 'member' });
    const cara = await join(inv.code, 'Cara', 'cara@example.com');
    const session = await deps.db.transaction((tx) => createSession(tx, deps, cara.id));
    const token = await issueToken(deps.db, deps, cara.id, { name: 'cli', scopes: ['read', 'write'] });
    expect((await authenticateToken(deps, token.token)).name).toBe('Cara');
    const [mine] = await listTokens(deps.db, actorOf(cara));
    expect(mine!.lastUsedAt).toBeInstanceOf(Date);
    expect((await listTokens(deps.db, admin, { all: true })).some((t) => t.userName === 'Cara')).toBe(true);
    await expectCode(listTokens(deps.db, actorOf(cara), { all: true }), 'FORBIDDEN');
    await setMemberActive(deps, admin, 'cara@example.com', false);
    await expectCode(authenticateSession(deps, session.sessionToken), 'UNAUTHORIZED', /not valid|deactivated/);
    // Told why, not to "create a new one with openase token create", which a deactivated person cannot.
    await expectCode(authenticateToken(deps, token.token), 'UNAUTHORIZED', /^Your account has been deactivated/);
    await setMemberActive(deps, admin, 'cara@example.com', true);
    await expectCode(authenticateToken(deps, token.token), 'UNAUTHORIZED', /revoked/);
    const fresh = await issueToken(deps.db, deps, cara.id, { name: 'again', scopes: ['read'] });
    expect((await authenticateToken(deps, fresh.token)).name).toBe('Cara');
  });

  it('lets an admin make a sign-in link for someone with no way in left, not an invitation they cannot accept', async () => {
    const { deps, admin } = get();
    const inv = await createInvitation(deps, admin, { email: 'lee@example.com', role: 'member' });
    const lee = await join(inv.code, 'Lee', 'lee@example.com');
    await setMemberActive(deps, admin, 'lee@example.com', false);
    // Found by a walkthrough: the invitation was made, and accepting it said "already has an account here".
    await expectCode(
      createInvitation(deps, admin, { email: 'Lee@example.com', role: 'member' }),
      'CONFLICT',
      /reactivate them, then make them a sign-in link/,
    );
    await expectCode(
      signInLinkFor(deps, admin, 'lee@example.com'),
      'CONFLICT',
      /Lee is deactivated; reactivate them first/,
    );
    await setMemberActive(deps, admin, 'lee@example.com', true);
    await expectCode(signInLinkFor(deps, actorOf({ ...lee, role: 'member' }), 'cara@example.com'), 'FORBIDDEN');
    const link = await signInLinkFor(deps, admin, 'lee@example.com');
    const session = await redeemSignInLink(deps, link.code);
    expect(session.userId).toBe(lee.id);
    const entry = (await listAudit(deps.db, admin, { kinds: ['sign-in'] })).entries.find(
      (e) => e.action === 'auth.signin_link_created',
    );
    expect(entry?.summary).toBe('made a one-time sign-in link for Lee');
  });

  it('per-project roles replace the organization role below admin', async () => {
    const { deps, admin } = get();
    const project = await createProject(deps, admin, { name: 'Roles Demo' });
    const inv = await createInvitation(deps, admin, { role: 'viewer' });
    const dan = await join(inv.code, 'Dan', 'dan@example.com');
    await setProjectRole(deps, admin, { project: project.slug, user: 'dan@example.com', role: 'member' });
    expect(await roleInProject(deps.db, actorOf(dan), project.id)).toBe('member');
    expect((await listMembers(deps.db, admin.orgId)).find((m) => m.name === 'Dan')!.projectRoles).toEqual([
      { projectId: project.id, project: project.slug, role: 'member' },
    ]);
    await setProjectRole(deps, admin, { project: project.slug, user: 'dan@example.com', role: null });
    expect(await roleInProject(deps.db, actorOf(dan), project.id)).toBe('viewer');
    await expectCode(
      setProjectRole(deps, admin, { project: project.slug, user: admin.userId!, role: 'viewer' }),
      'CONFLICT',
      /keeps that role/,
    );
  });

  it('reads the audit trail with filters and exports it safely as CSV', async () => {
    const { deps, admin } = get();
    const { entries } = await listAudit(deps.db, admin, { kinds: ['members', 'invitations'] });
    const actions = new Set(entries.map((e) => e.action));
    for (const a of ['invitation.created', 'invitation.accepted', 'invitation.revoked', 'member.role_changed'])
      expect(actions, a).toContain(a);
    expect(actions.has('member.deactivated')).toBe(true);
    expect(entries.every((e) => e.kind === 'members' || e.kind === 'invitations')).toBe(true);
    const byCara = await listAudit(deps.db, admin, { actor: 'cara' });
    expect(byCara.entries.map((e) => e.actorName)).toEqual(byCara.entries.map(() => 'Cara'));
    const page = await listAudit(deps.db, admin, { limit: 2 });
    expect(page.entries).toHaveLength(2);
    const next = await listAudit(deps.db, admin, { limit: 2, before: page.nextBefore! });
    expect(next.entries[0]!.id).toBeLessThan(page.entries[1]!.id);
    const future = await listAudit(deps.db, admin, { since: new Date(Date.now() + 60_000).toISOString() });
    expect(future.entries).toEqual([]);
    const csv = auditCsv([{ ...entries[0]!, summary: '=HYPERLINK("x"), "quoted"' }]);
    expect(csv.split('\r\n')[0]).toBe('id,at,actor,actorType,kind,action,project,summary,ip');
    expect(csv).toContain(`"'=HYPERLINK(""x""), ""quoted"""`);
  });
});
