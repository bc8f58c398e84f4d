/**
 * Every procedure × every role, against the declaration in procedure-roles.ts, on both database backends.
 * Each call goes through the real router (createCaller) as a real person of that role. A role below the
 * declared one must get FORBIDDEN; a role at or above it must get anything but FORBIDDEN (usually NOT_FOUND:
 * the inputs name things that do not exist, except where the check needs a real resource). Nobody signed in
 * gets UNAUTHORIZED everywhere. The inputs must pass validation, or the check would never be reached.
 */
import fs from 'node:fs';
import { expect, it } from 'vitest';
import { ZodError } from 'zod';
import { TRPCError } from '@trpc/server';
import { ROLES, roleAtLeast, type Role } from '@openase/shared';
import { forEachDatabase } from '@openase/test-kit/databases';
import { acceptInvitation, createInvitation } from '../auth/invitations.js';
import { userActor } from '../auth/permissions.js';
import { inTransaction } from '../kernel/transaction.js';
import { createProject } from '../projects/projects.js';
import { createTicket } from '../tickets/tickets.js';
import type { Actor, Deps } from '../kernel/context.js';
import { appRouter } from './router.js';
import { PROCEDURE_ROLES, type ProcedureRole } from './procedure-roles.js';

const NO_ID = '00000000-0000-4000-8000-000000000000';
const CONVERSATION = '0000000000aa';
const P = 'demo';
const T = 'DEMO-1';
const TARGET = 'target@example.com';
const HARNESS = '---\nname: x\n---\nbody\n';

/** A valid input per procedure (none listed: no input). */
const INPUTS: Record<string, unknown> = {
  'tokens.create': { name: 'ci', scopes: ['read'] },
  'tokens.revoke': { id: NO_ID },
  'projects.get': { project: P },
  'projects.create': { name: 'Other project' },
  'projects.update': { project: 'nope', description: 'x' },
  'projects.delete': { project: 'nope', confirm: 'nope' },
  'projects.mergeSettings': { project: P, mergeMethod: 'squash' },
  'projects.github': { project: P },
  'projects.insights': { project: P },
  'projects.connectGithub': { project: 'nope', apiUrl: 'http://127.0.0.1:9/' },
  'projects.githubIssues': { project: 'nope' },
  'repositories.list': { project: P },
  'repositories.add': { project: 'nope', url: 'https://example.com/r.git' },
  'repositories.delete': { project: 'nope', repository: 'r' },
  'repositories.update': { project: 'nope', repository: 'r', defaultBranch: 'trunk' },
  'statuses.list': { project: P },
  'statuses.create': { project: 'nope', name: 'Later', stage: 'backlog' },
  'statuses.update': { project: 'nope', status: 'Later', name: 'Later 2' },
  'statuses.move': { project: 'nope', status: 'Later', position: 0 },
  'statuses.delete': { project: 'nope', status: 'Later' },
  'tickets.list': { project: P },
  'tickets.show': { ticket: T },
  'tickets.create': { project: 'nope', title: 'x' },
  'tickets.update': { ticket: 'NOPE-1', title: 'y' },
  'tickets.move': { ticket: 'NOPE-1', status: 'Done' },
  'tickets.retry': { ticket: 'NOPE-1' },
  'tickets.archive': { ticket: 'NOPE-1' },
  'tickets.delete': { ticket: 'NOPE-1' },
  'tickets.bulkUpdate': { project: 'nope', items: [{ ticket: 'NOPE-1', priority: 'high' }] },
  'tickets.bulkDelete': { project: 'nope', tickets: ['NOPE-1'] },
  'tickets.link': { blocker: 'NOPE-1', blocked: 'NOPE-2' },
  'tickets.unlink': { blocker: 'NOPE-1', blocked: 'NOPE-2' },
  'tickets.reportProgress': { ticket: 'NOPE-1', text: 'half way' },
  'tickets.ask': { ticket: 'NOPE-1', question: 'which one?' },
  'tickets.answer': { ticket: 'NOPE-1', answer: 'this one' },
  'tickets.diff': { ticket: T },
  'tickets.review': { ticket: T, verdict: 'approve' },
  'tickets.why': { ticket: T },
  'comments.add': { ticket: 'NOPE-1', body: 'hi' },
  'comments.edit': { commentId: NO_ID, body: 'hi' },
  'comments.history': { commentId: NO_ID },
  'views.list': { project: P },
  'views.save': { project: P, name: 'mine', query: { priority: 'high' } },
  'views.delete': { project: P, name: 'nope' },
  'activity.list': { project: P },
  'activity.onProject': { project: P },
  'machines.show': { name: 'nope' },
  'machines.createJoinToken': { labels: [], ttlSeconds: 60 },
  'machines.addSsh': { name: 'nope', host: '127.0.0.1', user: 'x', keyPath: '/nonexistent', remoteDir: '/tmp/x' },
  'machines.trust': { name: 'nope' },
  'machines.revoke': { name: 'nope' },
  'machines.delete': { name: 'nope' },
  'runs.start': { machine: 'nope', command: ['true'] },
  'runs.show': { run: NO_ID },
  'runs.list': {},
  'runs.events': { run: NO_ID },
  'runs.onEvents': { run: NO_ID },
  'runs.cancel': { run: NO_ID },
  'runs.approve': { run: NO_ID },
  'runs.decline': { run: NO_ID, reason: 'no' },
  'runs.steer': { run: NO_ID, text: 'use the HTTP client' },
  'agents.list': { project: P },
  'agents.show': { project: P, agent: 'nope' },
  'agents.create': { project: 'nope', name: 'a', adapter: 'custom', command: 'true' },
  'agents.update': { project: 'nope', agent: 'a', model: 'm' },
  'agents.delete': { project: 'nope', agent: 'a' },
  'workflows.list': { project: P },
  'workflows.show': { project: P, workflow: 'nope' },
  'workflows.versions': { project: P, workflow: 'nope' },
  'workflows.export': { project: P, workflow: 'nope' },
  'workflows.validate': { source: HARNESS },
  'workflows.render': { project: P, workflow: 'nope', ticket: T },
  'workflows.import': { project: 'nope', source: HARNESS },
  'workflows.update': { project: 'nope', workflow: 'x', source: HARNESS },
  'workflows.create': { project: 'nope', template: 'full-stack' },
  'workflows.createBlank': { project: 'nope', name: 'x', pickup: ['Todo'], finish: ['Done'] },
  'workflows.setActive': { project: 'nope', workflow: 'x', active: false },
  'workflows.delete': { project: 'nope', workflow: 'x' },
  'skills.list': { project: P },
  'skills.show': { project: P, skill: 'nope' },
  'skills.export': { project: P, skill: 'nope' },
  'skills.import': { project: 'nope', files: [{ path: 'SKILL.md', contentBase64: btoa('---\nname: s\n---\n') }] },
  'skills.setEnabled': { project: 'nope', skill: 's', enabled: false },
  'skills.bind': { project: 'nope', skill: 's', workflow: 'x' },
  'skills.unbind': { project: 'nope', skill: 's', workflow: 'x' },
  'live.changes': {},
  'jobs.list': { project: P },
  'jobs.show': { project: P, job: 'nope' },
  'jobs.preview': { project: P, cron: '0 9 * * 1' },
  'jobs.create': { project: 'nope', name: 'weekly', cron: '0 9 * * 1', template: { title: 't' } },
  'jobs.update': { project: 'nope', job: 'weekly', cron: '0 9 * * 2' },
  'jobs.setEnabled': { project: 'nope', job: 'weekly', enabled: false },
  'jobs.delete': { project: 'nope', job: 'weekly' },
  'jobs.runNow': { project: 'nope', job: 'weekly' },
  'chat.create': { project: 'nope', message: 'hello' },
  'chat.list': { project: P },
  'chat.show': { conversation: CONVERSATION },
  'chat.send': { conversation: CONVERSATION, message: 'hello' },
  'chat.interrupt': { conversation: CONVERSATION },
  'chat.close': { conversation: CONVERSATION },
  'chat.cap': { conversation: CONVERSATION, usd: 5 },
  'chat.settings': { project: P },
  'chat.updateSettings': { project: 'nope', costCapUsd: 5 },
  'chat.workspace': { conversation: CONVERSATION },
  'chat.createTicket': { conversation: CONVERSATION },
  'chat.openPullRequest': { conversation: CONVERSATION },
  'chat.onEvents': { conversation: CONVERSATION },
  'members.show': { user: TARGET },
  'members.setRole': { user: TARGET, role: 'member' },
  'members.setProjectRole': { project: P, user: TARGET, role: 'viewer' },
  'members.deactivate': { user: TARGET },
  'members.reactivate': { user: TARGET },
  'members.rename': { name: 'Renamed Person' },
  'invitations.create': { role: 'viewer' },
  'invitations.revoke': { id: NO_ID },
  'authSettings.saveOidc': { issuer: 'http://127.0.0.1:9/', clientId: 'c' },
  'authSettings.setOidcEnabled': { enabled: false },
  'audit.list': {},
  'notify.createChannel': { name: 'hook', kind: 'webhook', url: 'http://127.0.0.1:9/hook' },
  'notify.updateChannel': { channel: 'nope', enabled: false },
  'notify.deleteChannel': { channel: 'nope' },
  'notify.testChannel': { channel: 'nope' },
  'notify.deliveries': {},
  'notify.rules': { project: P },
  'notify.createRule': { project: P, channel: 'nope', event: 'ticket.entered_status' },
  'notify.updateRule': { id: NO_ID, enabled: false },
  'notify.deleteRule': { id: NO_ID },
  'inbox.list': {},
  'inbox.read': {},
  'inbox.setSubscriptions': { ticketsCreated: true, ticketsWatched: true, projectAi: true },
  'inbox.watching': { ticket: T },
  'inbox.watch': { ticket: T, watching: true },
};

type Procedure = (input: unknown) => Promise<unknown>;
const procedures = Object.keys(
  (appRouter as unknown as { _def: { procedures: Record<string, unknown> } })._def.procedures,
);

/** The outcome of one call: OK, or the tRPC code; INPUT when the input itself was refused. */
async function outcome(actor: Actor | null, path: string, deps: Deps) {
  const caller = appRouter.createCaller({ deps, actor }) as unknown as Record<string, Record<string, Procedure>>;
  const [ns, name] = path.split('.') as [string, string];
  try {
    const result = await caller[ns]![name]!(INPUTS[path]);
    // A subscription's stream: opened (the checks ran), then closed at once.
    const stream = result as AsyncIterator<unknown> | null;
    if (stream && typeof stream === 'object' && typeof stream.return === 'function') await stream.return(undefined);
    return 'OK';
  } catch (err) {
    if (!(err instanceof TRPCError)) return `THROWN ${String(err)}`;
    if (err.code === 'BAD_REQUEST' && err.cause instanceof ZodError) return `INPUT ${err.message}`;
    return err.code;
  }
}

it('declares a role for every procedure, and nothing that is not one', () => {
  expect(
    procedures.filter((p) => !(p in PROCEDURE_ROLES)),
    'procedures without a declared role',
  ).toEqual([]);
  expect(
    Object.keys(PROCEDURE_ROLES).filter((p) => !procedures.includes(p)),
    'declared but gone',
  ).toEqual([]);
});

it('matches the role table people read in docs/teams.md', () => {
  const doc = fs.readFileSync(new URL('../../../docs/teams.md', import.meta.url), 'utf8');
  const documented: Record<string, string> = {};
  for (const line of doc.split('\n')) {
    const row = /^\| `(\w+)` \|(.*)\|\s*$/.exec(line);
    if (!row) continue;
    row[2]!.split('|').forEach((cell, i) => {
      for (const name of cell.split(',').map((n) => n.trim().replace(/¹$/, '')))
        if (name && name !== '—') documented[`${row[1]}.${name}`] = ROLES[ROLES.length - 1 - i]!;
    });
  }
  const declared = Object.fromEntries(Object.entries(PROCEDURE_ROLES).map(([p, d]) => [p, d.role]));
  expect(documented).toEqual(declared);
});

forEachDatabase('every procedure × role', (get) => {
  it('refuses exactly the roles below the declared one, and everyone not signed in', async () => {
    const { deps, admin } = get();
    const people: Partial<Record<Role, Actor>> = { owner: admin };
    const join = async (role: Exclude<Role, 'owner'>, email: string) => {
      const inv = await createInvitation(deps, admin, { email, role });
      return inTransaction(deps, (tx, changes) =>
        acceptInvitation(tx, deps, changes, { code: inv.code, name: `A ${role}` }),
      );
    };
    for (const role of ['viewer', 'member', 'admin'] as const) {
      const user = await join(role, `${role}@example.com`);
      people[role] = userActor(user, admin.orgId, role);
    }
    await join('member', TARGET);
    await createProject(deps, admin, { name: 'Demo' });
    await createTicket(deps, admin, { project: P, title: 'a ticket to review' });

    const wrong: string[] = [];
    // Lowest role first: what a higher role changes cannot turn a lower role's refusal into another answer.
    for (const path of procedures) {
      const declared = (PROCEDURE_ROLES as Record<string, ProcedureRole | undefined>)[path];
      if (!declared) continue;
      const anonymous = await outcome(null, path, deps);
      if (anonymous !== 'UNAUTHORIZED') wrong.push(`${path} without signing in: ${anonymous}`);
      for (const role of [...ROLES].reverse()) {
        const got = await outcome(people[role]!, path, deps);
        const allowed = roleAtLeast(role, declared.role);
        if (got.startsWith('INPUT') || got.startsWith('THROWN')) wrong.push(`${path} as ${role}: ${got}`);
        else if (allowed && got === 'FORBIDDEN') wrong.push(`${path} as ${role}: refused, declared ${declared.role}`);
        else if (!allowed && got !== 'FORBIDDEN')
          wrong.push(`${path} as ${role}: ${got}, but only ${declared.role} and above may`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('lets a project role widen or narrow the organization role in that project only', async () => {
    const { deps, admin } = get();
    await createProject(deps, admin, { name: 'Other' });
    await createTicket(deps, admin, { project: 'other', title: 'elsewhere' });
    const join = async (role: 'viewer' | 'member', email: string) => {
      const inv = await createInvitation(deps, admin, { email, role });
      const user = await inTransaction(deps, (tx, changes) =>
        acceptInvitation(tx, deps, changes, { code: inv.code, name: email }),
      );
      return userActor(user, admin.orgId, role);
    };
    const vera = await join('viewer', 'vera@example.com');
    const milo = await join('member', 'milo@example.com');
    const owner = appRouter.createCaller({ deps, actor: admin });
    await owner.members.setProjectRole({ project: 'other', user: vera.userId!, role: 'member' });
    await owner.members.setProjectRole({ project: 'other', user: milo.userId!, role: 'viewer' });
    const asVera = appRouter.createCaller({ deps, actor: vera });
    const asMilo = appRouter.createCaller({ deps, actor: milo });
    // Vera, a viewer, is a member of `other`: she works there and nowhere else.
    const made = await asVera.tickets.create({ project: 'other', title: 'by vera' });
    await asVera.tickets.move({ ticket: made.identifier, status: 'Todo' });
    await asVera.comments.add({ ticket: 'OTHER-1', body: 'hello' });
    await expect(asVera.tickets.create({ project: P, title: 'no' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(asVera.tickets.update({ ticket: T, title: 'no' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    // Milo, a member, only reads `other`, and still works elsewhere.
    await expect(asMilo.tickets.move({ ticket: 'OTHER-1', status: 'Todo' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringMatching(/your role in this project \(viewer\) cannot move tickets/),
    });
    await expect(asMilo.comments.add({ ticket: 'OTHER-1', body: 'no' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await asMilo.comments.add({ ticket: T, body: 'fine here' });
  });
});
