/**
 * Project-wide platform commands of the agent's `openase` wrapper, for Project AI conversations
 * (and ticket runs whose workflow grants the scopes): create and link tickets anywhere in the
 * project, retry a ticket, read and change workflows. The control plane decides what the run's
 * token may do (api/agent-access.ts); these only shape the calls.
 */
import fs from 'node:fs';
import type { PlatformCommand } from './platform-command.js';
import { PlatformError, UsageError } from './platform-errors.js';

const needProject = (project: string | undefined): string => {
  if (!project) throw new PlatformError('OPENASE_PROJECT is not set; run this from an agent run');
  return project;
};

const list = (value: unknown): string[] =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];

function readSource(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

export const PROJECT_COMMANDS: Record<string, PlatformCommand> = {
  'ticket create': {
    usage: 'openase ticket create --title T [--description D] [--priority P] [--blocked-by ID[,ID…]]',
    summary: 'create a ticket in this project, optionally blocked by others',
    options: {
      title: { type: 'string', description: 'the title (required)' },
      description: { type: 'string', description: 'the description (Markdown)' },
      priority: { type: 'string', description: 'urgent, high, medium, low or none' },
      'blocked-by': { type: 'string', description: 'tickets that must be done first (comma-separated identifiers)' },
      json: { type: 'boolean', description: 'print the created ticket as JSON' },
    },
    async run({ values, project, call }) {
      if (typeof values.title !== 'string' || !values.title.trim())
        throw new UsageError('give the new ticket a title: --title "…"');
      const created = (await call('mutation', 'tickets.create', {
        project: needProject(project),
        title: values.title,
        description: (values.description as string | undefined) ?? '',
        ...(typeof values.priority === 'string' ? { priority: values.priority } : {}),
      })) as { identifier: string };
      const blockers = list(values['blocked-by']);
      for (const blocker of blockers) await call('mutation', 'tickets.link', { blocker, blocked: created.identifier });
      if (values.json) return JSON.stringify(created, null, 2);
      return `created ${created.identifier}${blockers.length ? ` (blocked by ${blockers.join(', ')})` : ''}`;
    },
  },
  'ticket link': {
    usage: 'openase ticket link BLOCKER BLOCKED',
    summary: 'make BLOCKED wait until BLOCKER is done',
    options: {},
    args: 2,
    async run({ positionals, call }) {
      const [blocker, blocked] = positionals as [string, string];
      await call('mutation', 'tickets.link', { blocker, blocked });
      return `${blocked} is now blocked by ${blocker}`;
    },
  },
  'ticket list': {
    usage: 'openase ticket list [--json]',
    summary: "list the project's tickets",
    options: { json: { type: 'boolean', description: 'print JSON' } },
    async run({ values, project, call }) {
      const rows = (await call('query', 'tickets.list', { project: needProject(project) })) as Array<{
        identifier: string;
        title: string;
        status?: { name?: string } | string | null;
      }>;
      if (values.json) return JSON.stringify(rows, null, 2);
      const status = (s: (typeof rows)[number]['status']) => (typeof s === 'string' ? s : (s?.name ?? '?'));
      return rows.map((t) => `${t.identifier}\t[${status(t.status)}]\t${t.title}`).join('\n') || '(no tickets)';
    },
  },
  'ticket retry': {
    usage: 'openase ticket retry ID',
    summary: 'start runs again on a parked ticket (its attempts start over)',
    options: {},
    args: 1,
    async run({ positionals, call }) {
      await call('mutation', 'tickets.retry', { ticket: positionals[0] });
      return `${positionals[0]} will be picked up again`;
    },
  },
  'workflow list': {
    usage: 'openase workflow list',
    summary: "list the project's workflows",
    options: {},
    async run({ project, call }) {
      const rows = (await call('query', 'workflows.list', { project: needProject(project) })) as Array<{
        name: string;
        active?: boolean;
        version?: number | { version?: number };
      }>;
      return rows.map((w) => `${w.name}${w.active === false ? ' (inactive)' : ''}`).join('\n') || '(no workflows)';
    },
  },
  'workflow export': {
    usage: 'openase workflow export NAME [--out FILE]',
    summary: "print a workflow's harness file (or write it to FILE)",
    options: { out: { type: 'string', description: 'write the file here instead of printing it' } },
    args: 1,
    async run({ positionals, values, project, call }) {
      const w = (await call('query', 'workflows.export', {
        project: needProject(project),
        workflow: positionals[0],
      })) as { name: string; version: number; source: string };
      if (typeof values.out !== 'string') return w.source.replace(/\n$/, '');
      fs.writeFileSync(values.out, w.source);
      return `wrote ${w.name} version ${w.version} to ${values.out}`;
    },
  },
  'workflow import': {
    usage: 'openase workflow import FILE',
    summary: 'create a workflow, or a new version of the one its `name:` names (validated like a person’s edit)',
    options: {},
    args: 1,
    async run({ positionals, project, call }) {
      const result = (await call('mutation', 'workflows.import', {
        project: needProject(project),
        source: readSource(positionals[0]!),
      })) as { name?: string; version?: number; changed?: boolean } | null;
      const name = result?.name ?? 'the workflow';
      if (result?.changed === false) return `${name} is unchanged (the file equals its current version)`;
      return `imported ${name}${result?.version ? ` as version ${result.version}` : ''}`;
    },
  },
};
