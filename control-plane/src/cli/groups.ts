/**
 * The client command groups every `openase` has: the person's (cli/main.ts) and the agent's
 * (cli/agent.ts). Only talking to the API — nothing here opens the database or starts a server,
 * so the daemon bundle can carry them. Each group's commands load when the group is run, so a
 * command parses its own group's code only (docs/performance.md, CLI start).
 */
import type { LazyGroup } from './command.js';

export const CLIENT_GROUPS: LazyGroup[] = [
  {
    name: 'project',
    summary: 'Create, list and show projects, set how their tickets merge, and connect them to GitHub.',
    load: () => import('./commands/projects.js').then((m) => m.projectCommands),
  },
  {
    name: 'repo',
    summary: 'Attach git repositories to a project, list and delete them.',
    load: () => import('./commands/repos.js').then((m) => m.repoCommands),
  },
  {
    name: 'status',
    summary: "Manage a project's statuses (board columns).",
    load: () => import('./commands/statuses.js').then((m) => m.statusCommands),
  },
  {
    name: 'ticket',
    summary: 'Create, list, show, update, move, comment on, link, watch, archive and delete tickets.',
    load: () => import('./commands/tickets.js').then((m) => m.ticketCommands),
  },
  {
    name: 'view',
    summary: 'Your saved views of a project board: list, save, delete.',
    load: () => import('./commands/board.js').then((m) => m.viewCommands),
  },
  {
    name: 'machine',
    summary: 'Manage the fleet: join tokens, machines, revocation.',
    load: () => import('./commands/machines.js').then((m) => m.machineCommands),
  },
  {
    name: 'run',
    summary: "Start, follow and cancel runs on machines; approve or decline an agent's tool calls.",
    load: () => import('./commands/runs.js').then((m) => m.runCommands),
  },
  {
    name: 'agent',
    summary: "Manage a project's agents: which coding CLI runs, how, at what price.",
    load: () => import('./commands/agents.js').then((m) => m.agentCommands),
  },
  {
    name: 'workflow',
    summary: 'Manage workflows: harness files (Markdown + YAML front matter), versions, templates.',
    load: () => import('./commands/workflows.js').then((m) => m.workflowCommands),
  },
  {
    name: 'skill',
    summary: 'Manage skills: versioned folders (SKILL.md + files) written into agent workspaces.',
    load: () => import('./commands/skills.js').then((m) => m.skillCommands),
  },
  {
    name: 'job',
    summary: 'Scheduled jobs: create tickets from a template on a cron schedule.',
    load: () => import('./commands/jobs.js').then((m) => m.jobCommands),
  },
  {
    name: 'chat',
    summary: 'Project AI: conversations with an agent that can act on the project.',
    load: () => import('./commands/chat.js').then((m) => m.chatCommands),
  },
  {
    name: 'notify',
    summary: 'Notification channels (webhook, Slack), the delivery log, and the rules that send events to them.',
    load: () => import('./commands/notify.js').then((m) => m.notifyCommands),
  },
  {
    name: 'inbox',
    summary: 'Your inbox: list, mark read, choose what reaches it (watch tickets with `ticket watch`).',
    load: () => import('./commands/inbox.js').then((m) => m.inboxCommands),
  },
];
