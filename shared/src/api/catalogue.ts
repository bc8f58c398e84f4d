/**
 * The platform API, one entry per operation: `API.tickets.move` is the tRPC procedure
 * `tickets.move`. Each entry says its kind, its input schema, the API-token scope it needs and,
 * for the operations an agent may call, the run-token scope and confinement (operation.ts). The
 * control plane builds its router from these entries and fails to compile when the router and the
 * catalogue differ (control-plane/src/api/catalogue-check.ts); the run/chat token allowlist is
 * derived from the `run` entries. An operation whose reply clients read declares its output schema
 * (`returns`, domain/replies.ts): the router validates replies with it and clients infer from it.
 * Others' outputs are what the router's handlers return (inferred by tRPC clients from the router type).
 */
import * as z from '../zod.js';
import { agentCreateInput, agentRefInput, agentUpdateInput } from '../domain/agents.js';
import {
  chatCreateInput,
  chatCreateTicketInput,
  chatListInput,
  chatOpenPullRequestInput,
  chatRefInput,
  chatSendInput,
  conversationRefSchema,
  projectAiSettingsInput,
} from '../domain/chat.js';
import {
  runDecideInput,
  runEventsInput,
  runListInput,
  runRefInput,
  runStartInput,
  runSteerInput,
  sshFingerprintSchema,
  sshMachineAddInput,
} from '../domain/fleet-inputs.js';
import {
  activityListInput,
  commentAddInput,
  commentEditInput,
  joinTokenCreateInput,
  machineNameSchema,
  projectCreateInput,
  projectDeleteInput,
  projectRefSchema,
  projectUpdateInput,
  repositoryAddInput,
  repositoryDeleteInput,
  repositoryUpdateInput,
  statusCreateInput,
  statusDeleteInput,
  statusMoveInput,
  statusUpdateInput,
  ticketArchiveInput,
  ticketCreateInput,
  ticketDeleteInput,
  ticketLinkInput,
  ticketListInput,
  ticketMoveInput,
  ticketRefSchema,
  ticketRetryInput,
  ticketUpdateInput,
  tokenCreateInput,
  tokenRevokeInput,
} from '../domain/inputs.js';
import {
  jobCreateInput,
  jobPreviewInput,
  jobRefInput,
  jobSetEnabledInput,
  jobShowInput,
  jobUpdateInput,
} from '../domain/jobs.js';
import {
  channelCreateInput,
  channelRefInput,
  channelUpdateInput,
  deliveryListInput,
  inboxListInput,
  inboxReadInput,
  ruleCreateInput,
  ruleRefInput,
  ruleUpdateInput,
  subscriptionsInput,
  watchInput,
} from '../domain/notifications.js';
import {
  projectGithubInput,
  projectGithubIssuesInput,
  projectMergeSettingsInput,
  ticketDiffInput,
  ticketReviewInput,
} from '../domain/review.js';
import {
  auditListInput,
  invitationCreateInput,
  signInLinkInput,
  invitationRefInput,
  memberRefInput,
  memberRoleInput,
  memberUpdateProfileInput,
  oidcConfigInput,
  projectRoleInput,
} from '../domain/teams.js';
import {
  skillBindInput,
  skillExportInput,
  skillImportInput,
  skillSetEnabledInput,
  skillUnbindInput,
  ticketAnswerInput,
  ticketAskInput,
  ticketProgressInput,
  workflowCreateInput,
  workflowExportInput,
  workflowImportInput,
  workflowNewInput,
  workflowRefInput,
  workflowRenderInput,
  workflowSetActiveInput,
  workflowUpdateInput,
  workflowValidateInput,
} from '../domain/workflows.js';
import { machineHistoryInput, projectInsightsInput } from '../domain/insights.js';
import { executes, mutation, named, query, returns, runs, subscription, type OperationPath } from './operation.js';
import { commentReply, ticketMoveReply, ticketReply } from '../domain/replies.js';
import { ticketBulkDeleteInput, ticketBulkUpdateInput, viewDeleteInput, viewSaveInput } from '../domain/board.js';

const projectInput = z.object({ project: projectRefSchema });

export const API = named({
  auth: {
    whoami: query('read'),
    // A token may open a session, or make a token, only with no more than it carries (auth/tokens.ts).
    createSignInLink: mutation('read', signInLinkInput),
  },
  tokens: {
    // One's own tokens with `read` (a viewer's joining token has no more); everyone's (`all`) needs `admin`.
    list: query('read', z.object({ all: z.boolean().default(false) }).default({ all: false })),
    create: mutation('read', tokenCreateInput),
    revoke: mutation('admin', tokenRevokeInput),
  },
  projects: {
    list: query('read'),
    get: query('read', projectInput, [runs('tickets.read', { project: 'project' })]),
    create: mutation('write', projectCreateInput),
    update: mutation('write', projectUpdateInput),
    delete: mutation('write', projectDeleteInput),
    mergeSettings: mutation('write', projectMergeSettingsInput),
    github: query('read', projectInput),
    connectGithub: mutation('write', projectGithubInput),
    githubIssues: mutation('write', projectGithubIssuesInput),
    /** Tickets, moves and runs of the last days: the timeline and the overview charts (domain/insights.ts). */
    insights: query('read', projectInsightsInput),
  },
  repositories: {
    list: query('read', projectInput),
    add: mutation('write', repositoryAddInput, [runs('repositories.add', { project: 'project' })]),
    update: mutation('write', repositoryUpdateInput),
    delete: mutation('write', repositoryDeleteInput),
  },
  statuses: {
    list: query('read', projectInput, [runs('tickets.read', { project: 'project' })]),
    create: mutation('write', statusCreateInput),
    update: mutation('write', statusUpdateInput),
    move: mutation('write', statusMoveInput),
    delete: mutation('write', statusDeleteInput),
  },
  tickets: {
    list: query('read', ticketListInput, [runs('tickets.read', { project: 'project' })]),
    show: query('read', z.object({ ticket: ticketRefSchema }), [runs('tickets.read', { projectTicket: 'ticket' })]),
    create: returns(
      mutation('write', ticketCreateInput, [
        runs('tickets.create', { project: 'project' }),
        runs('tickets.create_child', { project: 'project' }, { childOf: 'parent' }),
      ]),
      ticketReply,
    ),
    update: mutation('write', ticketUpdateInput, [
      runs(
        'tickets.update_self',
        { ownTicket: 'ticket' },
        { onlyFields: ['ticket', 'title', 'description', 'labels'] },
      ),
    ]),
    move: returns(mutation('write', ticketMoveInput, [runs('tickets.move', { ownTicket: 'ticket' })]), ticketMoveReply),
    retry: mutation('write', ticketRetryInput, [runs('tickets.retry', { projectTicket: 'ticket' })]),
    archive: mutation('write', ticketArchiveInput),
    delete: mutation('write', ticketDeleteInput),
    /** Moves and/or reprioritizes many tickets in one transaction (the board's multi-select). */
    bulkUpdate: mutation('write', ticketBulkUpdateInput),
    /** Deletes many tickets in one transaction: all of them, or none and the reason. */
    bulkDelete: mutation('write', ticketBulkDeleteInput),
    link: mutation('write', ticketLinkInput, [runs('tickets.link', { linksOwnTicket: true })]),
    unlink: mutation('write', ticketLinkInput, [runs('tickets.link', { linksOwnTicket: true })]),
    ask: mutation('write', ticketAskInput, [runs('tickets.ask', { ownTicket: 'ticket' })]),
    answer: mutation('write', ticketAnswerInput),
    reportProgress: mutation('write', ticketProgressInput, [runs('tickets.report_progress', { ownTicket: 'ticket' })]),
    diff: query('read', ticketDiffInput),
    review: mutation('write', ticketReviewInput),
    why: query('read', z.object({ ticket: ticketRefSchema }), [runs('tickets.read', { projectTicket: 'ticket' })]),
  },
  comments: {
    add: returns(
      mutation('write', commentAddInput, [
        runs('tickets.comment', { ownTicket: 'ticket', projectAi: 'anyTicketOfProject' }),
      ]),
      commentReply,
    ),
    edit: returns(mutation('write', commentEditInput), commentReply),
    history: query('read', z.object({ commentId: z.string().uuid() })),
  },
  /** A person's saved views of a project's board (filters by name), their own only. */
  views: {
    list: query('read', projectInput),
    save: mutation('write', viewSaveInput),
    delete: mutation('write', viewDeleteInput),
  },
  activity: {
    list: query('read', activityListInput),
    onProject: subscription(
      'read',
      z.object({ project: projectRefSchema, ticket: ticketRefSchema.optional(), lastEventId: z.string().nullish() }),
    ),
  },
  machines: {
    list: query('read'),
    show: query('read', z.object({ name: machineNameSchema })),
    createJoinToken: mutation('admin', joinTokenCreateInput),
    addSsh: mutation('admin', sshMachineAddInput.extend({ remoteDir: z.string().min(1).max(1000).optional() })),
    trust: mutation('admin', z.object({ name: machineNameSchema, fingerprint: sshFingerprintSchema.optional() })),
    revoke: mutation('admin', z.object({ name: machineNameSchema })),
    delete: mutation('admin', z.object({ name: machineNameSchema })),
    /** Per machine and minute of the last hours: runs in flight, load, online (fleet/machine-history.ts). */
    history: query('read', machineHistoryInput),
  },
  runs: {
    start: executes(mutation('write', runStartInput), 'runs.exec', 'always'),
    show: query('read', runRefInput),
    list: query('read', runListInput),
    events: query('read', runEventsInput),
    onEvents: subscription('read', z.object({ run: runRefInput.shape.run, lastEventId: z.string().nullish() })),
    approve: mutation('write', runDecideInput),
    decline: mutation('write', runDecideInput),
    steer: mutation('write', runSteerInput),
    cancel: mutation('write', runRefInput),
  },
  agents: {
    list: query('read', projectInput),
    show: query('read', agentRefInput),
    create: executes(mutation('write', agentCreateInput), 'runs.exec', 'launch change'),
    update: executes(mutation('write', agentUpdateInput), 'runs.exec', 'launch change'),
    delete: mutation('write', agentRefInput),
  },
  workflows: {
    list: query('read', projectInput, [runs('workflows.read', { project: 'project' })]),
    show: query('read', workflowExportInput, [runs('workflows.read', { project: 'project' })]),
    versions: query('read', workflowRefInput),
    export: query('read', workflowExportInput, [runs('workflows.read', { project: 'project' })]),
    validate: mutation('read', workflowValidateInput, [runs('workflows.read', { project: 'project' })]),
    render: query('read', workflowRenderInput),
    reference: query('read'),
    import: executes(
      mutation('write', workflowImportInput, [runs('workflows.update', { project: 'project' })]),
      'workflows.hooks',
      'hooks change',
    ),
    update: executes(
      mutation('write', workflowUpdateInput, [runs('workflows.update', { project: 'project' })]),
      'workflows.hooks',
      'hooks change',
    ),
    create: executes(mutation('write', workflowCreateInput), 'workflows.hooks', 'hooks change'),
    createBlank: executes(mutation('write', workflowNewInput), 'workflows.hooks', 'hooks change'),
    setActive: mutation('write', workflowSetActiveInput),
    delete: mutation('write', workflowRefInput),
  },
  skills: {
    list: query('read', projectInput, [runs('workflows.read', { project: 'project' })]),
    show: query('read', skillExportInput),
    export: query('read', skillExportInput, [runs('workflows.read', { project: 'project' })]),
    import: executes(
      mutation('write', skillImportInput, [runs('skills.update', { project: 'project' })]),
      'workflows.hooks',
      'hooks change',
    ),
    setEnabled: mutation('write', skillSetEnabledInput),
    bind: mutation('write', skillBindInput),
    unbind: mutation('write', skillUnbindInput),
  },
  live: {
    changes: subscription('read', z.object({ lastEventId: z.string().nullish() }).optional()),
  },
  jobs: {
    list: query('read', projectInput),
    show: query('read', jobShowInput),
    preview: query('read', jobPreviewInput),
    create: mutation('write', jobCreateInput),
    update: mutation('write', jobUpdateInput),
    setEnabled: mutation('write', jobSetEnabledInput),
    delete: mutation('write', jobRefInput),
    runNow: mutation('write', jobRefInput),
  },
  chat: {
    create: mutation('write', chatCreateInput),
    list: query('read', chatListInput),
    show: query('read', chatRefInput),
    send: mutation('write', chatSendInput),
    interrupt: mutation('write', chatRefInput),
    close: mutation('write', chatRefInput),
    cap: mutation('write', chatRefInput.extend({ usd: z.number().positive().max(10_000) })),
    settings: query('read', projectInput),
    updateSettings: mutation('write', projectAiSettingsInput),
    /** The conversation's files and diff against the base branch (from its machine) and the commands it ran. */
    workspace: query('read', chatRefInput),
    createTicket: mutation('write', chatCreateTicketInput),
    openPullRequest: mutation('write', chatOpenPullRequestInput),
    onEvents: subscription(
      'read',
      z.object({
        conversation: conversationRefSchema,
        run: z.string().uuid().optional(),
        lastEventId: z.string().nullish(),
      }),
    ),
  },
  members: {
    list: query('read'),
    show: query('read', memberRefInput),
    setRole: mutation('admin', memberRoleInput),
    setProjectRole: mutation('admin', projectRoleInput),
    deactivate: mutation('admin', memberRefInput),
    reactivate: mutation('admin', memberRefInput),
    rename: mutation('write', memberUpdateProfileInput),
  },
  invitations: {
    list: query('admin'),
    create: mutation('admin', invitationCreateInput),
    revoke: mutation('admin', invitationRefInput),
  },
  authSettings: {
    get: query('read'),
    saveOidc: mutation('admin', oidcConfigInput),
    setOidcEnabled: mutation('admin', z.object({ enabled: z.boolean() })),
  },
  audit: {
    list: query('read', auditListInput),
  },
  notify: {
    channels: query('read'),
    createChannel: mutation('admin', channelCreateInput),
    updateChannel: mutation('admin', channelUpdateInput),
    deleteChannel: mutation('admin', channelRefInput),
    testChannel: mutation('admin', channelRefInput),
    deliveries: query('admin', deliveryListInput),
    rules: query('read', projectInput),
    createRule: mutation('admin', ruleCreateInput),
    updateRule: mutation('admin', ruleUpdateInput),
    deleteRule: mutation('admin', ruleRefInput),
  },
  // One's own inbox, subscriptions and watches are a viewer's too (docs/teams.md): a viewer's token has only read.
  inbox: {
    list: query('read', inboxListInput),
    read: mutation('read', inboxReadInput),
    subscriptions: query('read'),
    setSubscriptions: mutation('read', subscriptionsInput),
    watching: query('read', z.object({ ticket: ticketRefSchema })),
    watch: mutation('read', watchInput),
    unread: subscription('read'),
  },
});

export type Api = typeof API;
/** `'tickets.move'`: the path of an operation of the catalogue (a typed key, never a bare string). */
export type ApiPath = OperationPath<Api>;
