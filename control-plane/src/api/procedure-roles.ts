/**
 * The role each API procedure needs: the declaration that api/procedure-roles.test.ts checks against the code,
 * procedure by procedure and role by role, on both database backends. A procedure missing here fails that test.
 * The checks themselves live in the domain functions (`requireRole` in auth/permissions.ts), where the resource
 * is known; docs/teams.md shows this table to people.
 *
 * `viewer` means every signed-in person of the organization; nobody calls anything without signing in.
 * Agents (run and chat tokens) have no role here: what they may call follows the scopes an admin granted
 * them (api/agent-access.ts, and `requireRoleOrGrant` for actions that need admin from people).
 */
import type { ApiPath, Role } from '@openase/shared';

export interface ProcedureRole {
  role: Role;
  /** What varies with the input (shown in docs/teams.md). */
  note?: string;
}

const v = (note?: string): ProcedureRole => ({ role: 'viewer', ...(note ? { note } : {}) });
const m = (note?: string): ProcedureRole => ({ role: 'member', ...(note ? { note } : {}) });
const a = (note?: string): ProcedureRole => ({ role: 'admin', ...(note ? { note } : {}) });
const o = (note?: string): ProcedureRole => ({ role: 'owner', ...(note ? { note } : {}) });

const own = 'only for oneself';

/** Keyed by the catalogue's paths: an operation renamed, added or removed there fails the typecheck here. */
export const PROCEDURE_ROLES: Readonly<Record<ApiPath, ProcedureRole>> = {
  'auth.whoami': v(),
  'auth.createSignInLink': v('for oneself; for another person (--for), an admin'),
  'tokens.list': v("one's own tokens; admins may list everyone's"),
  'tokens.create': v(
    'read scope; write scope needs member; admin, runs.exec, workflows.hooks scopes need admin; a token makes only tokens within its scopes',
  ),
  'tokens.revoke': v("one's own tokens; admins anyone's"),

  'projects.list': v(),
  'projects.get': v(),
  'projects.create': m(),
  'projects.update': a(),
  'projects.delete': a("the project's short name typed again to confirm"),
  'projects.mergeSettings': a(),
  'projects.insights': v(),
  'projects.github': v('whether a token and webhook secret are set, never their values'),
  'projects.connectGithub': a(),
  'projects.githubIssues': m('linking or unlinking a repository (`repo`, `off`) needs admin'),
  'repositories.list': v(),
  'repositories.add': m(),
  'repositories.update': m(),
  'repositories.delete': a(),

  'statuses.list': v(),
  'statuses.create': a(),
  'statuses.update': a(),
  'statuses.move': a(),
  'statuses.delete': a(),

  'tickets.list': v(),
  'tickets.show': v(),
  'tickets.create': m(),
  'tickets.update': m(),
  'tickets.move': m(),
  'tickets.retry': m(),
  'tickets.archive': m(),
  'tickets.delete': m(),
  'tickets.bulkUpdate': m(),
  'tickets.bulkDelete': m(),
  'tickets.link': m(),
  'tickets.unlink': m(),
  'tickets.reportProgress': m(),
  'tickets.ask': m("only an agent's run, on its own ticket"),
  'tickets.answer': m(),
  'tickets.diff': v(),
  'tickets.review': m(),
  'tickets.why': v(),
  'comments.add': m(),
  'comments.edit': m('only one’s own comments'),
  'comments.history': v(),
  'views.list': v(own),
  'views.save': v(own),
  'views.delete': v(own),
  'activity.list': v(),
  'activity.onProject': v(),

  'machines.list': v(),
  'machines.show': v(),
  'machines.history': v(),
  'machines.createJoinToken': a(),
  'machines.addSsh': a(),
  'machines.trust': a(),
  'machines.revoke': a(),
  'machines.delete': a(),
  'runs.start': a('a command is code run on a machine: a token also needs the runs.exec scope'),
  'runs.show': v(),
  'runs.list': v(),
  'runs.events': v(),
  'runs.onEvents': v(),
  'runs.cancel': m(),
  'runs.approve': m("an agent run's tool call waiting for approval (tools.ask)"),
  'runs.decline': m(),
  'runs.steer': m("a message to a ticket's live agent run"),

  'agents.list': v(),
  'agents.show': v(),
  'agents.create': a('setting its command, args, env, secrets or MCP servers: a token also needs the runs.exec scope'),
  'agents.update': a('changing its command, args, env, secrets or MCP servers: a token also needs the runs.exec scope'),
  'agents.delete': a(),
  'workflows.list': v(),
  'workflows.show': v(),
  'workflows.versions': v(),
  'workflows.export': v(),
  'workflows.validate': v(),
  'workflows.render': v(),
  'workflows.reference': v(),
  'workflows.import': a('changing hooks also needs a token the workflows.hooks scope; an agent, its grant'),
  'workflows.update': a('changing hooks also needs a token the workflows.hooks scope; an agent, its grant'),
  'workflows.create': a(),
  'workflows.createBlank': a(),
  'workflows.setActive': a(),
  'workflows.delete': a(),
  'skills.list': v(),
  'skills.show': v(),
  'skills.export': v(),
  'skills.import': m('a skill that runs code by itself (hooks, !`commands`): admin, a token also workflows.hooks'),
  'skills.setEnabled': m(),
  'skills.bind': a('an edit of the workflow'),
  'skills.unbind': a('an edit of the workflow'),
  'live.changes': v('organization-level audit entries reach admins only'),

  'jobs.list': v(),
  'jobs.show': v(),
  'jobs.preview': v(),
  'jobs.create': m(),
  'jobs.update': m(),
  'jobs.setEnabled': m(),
  'jobs.delete': m(),
  'jobs.runNow': m(),

  'chat.create': m(),
  'chat.list': v(),
  'chat.show': v(),
  'chat.send': m(),
  'chat.interrupt': m(),
  'chat.close': m(),
  'chat.cap': m(),
  'chat.settings': v(),
  'chat.updateSettings': a(),
  'chat.workspace': v(),
  'chat.createTicket': m(),
  'chat.openPullRequest': m(),
  'chat.onEvents': v(),

  'members.list': v(),
  'members.show': v(),
  'members.setRole': a('only an owner changes an owner or makes one'),
  'members.setProjectRole': a(),
  'members.deactivate': a('only an owner deactivates an owner'),
  'members.reactivate': a(),
  'members.rename': v(own),
  'invitations.list': a(),
  'invitations.create': a(),
  'invitations.revoke': a(),
  'authSettings.get': v('secrets are never shown'),
  'authSettings.saveOidc': o(),
  'authSettings.setOidcEnabled': o(),
  'audit.list': a(),

  'notify.channels': v(),
  'notify.createChannel': a(),
  'notify.updateChannel': a(),
  'notify.deleteChannel': a(),
  'notify.testChannel': a(),
  'notify.deliveries': a(),
  'notify.rules': v(),
  'notify.createRule': a(),
  'notify.updateRule': a(),
  'notify.deleteRule': a(),
  'inbox.list': v(own),
  'inbox.read': v(own),
  'inbox.subscriptions': v(own),
  'inbox.setSubscriptions': v(own),
  'inbox.watching': v(own),
  'inbox.watch': v(own),
  'inbox.unread': v(own),
};
