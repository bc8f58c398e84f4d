/**
 * The prompt a run would get: the version's body rendered with the ticket, project, repos,
 * workflow, attempt and machine variables (HARNESS_VARIABLES in shared). The dispatcher calls
 * harnessVariables + renderTemplate with the placed machine; `render` previews the same.
 */
import { and, asc, eq, isNull } from 'drizzle-orm';
import { OpenaseError, workflowRenderInput } from '@openase/shared';
import type { z } from 'zod';
import { machines, statuses, ticketDependencies, tickets } from '../db/schema.js';
import type { DbOrTx } from '../db/database.js';
import { type Project } from '../projects/projects.js';
import { resolveProject } from '../kernel/resolve-project.js';
import { listRepositories, type Repository } from '../projects/repositories.js';
import { resolveTicket, type Ticket } from '../tickets/tickets.js';
import { parseHarness } from './harness/parse.js';
import type { Harness } from './harness/schema.js';
import { renderTemplate } from './harness/template.js';
import { resolveWorkflow, workflowVersion, type Workflow, type WorkflowVersion } from './versions.js';

export interface MachineVars {
  name: string;
  os: string;
  arch: string;
  labels: string[];
  workdir: string;
}

/** Shown when rendering before placement. */
export const UNPLACED_MACHINE: MachineVars = { name: '(not placed yet)', os: '', arch: '', labels: [], workdir: '' };

/** Project rows a caller may already hold (the dispatcher does): passed in, they are not read again. */
export interface KnownProjectRows {
  statuses: ReadonlyArray<{ id: string; name: string }>;
  repositories: ReadonlyArray<Repository>;
}

export async function projectRows(db: DbOrTx, projectId: string): Promise<KnownProjectRows> {
  return {
    statuses: await db
      .select({ id: statuses.id, name: statuses.name })
      .from(statuses)
      .where(eq(statuses.projectId, projectId)),
    repositories: await listRepositories(db, projectId),
  };
}

export async function harnessVariables(
  db: DbOrTx,
  project: Project,
  ticket: Ticket,
  workflow: Workflow,
  version: WorkflowVersion,
  machine: MachineVars,
  attempt = ticket.attemptCount + 1,
  known?: KnownProjectRows,
) {
  const harness = version.harness as Harness;
  const { statuses: statusRows, repositories: repos } = known ?? (await projectRows(db, project.id));
  const status = statusRows.find((s) => s.id === ticket.statusId);
  // Issued together: one round trip on PostgreSQL (this runs inside the claim transaction).
  const [[parent], blockers] = await Promise.all([
    ticket.parentId
      ? db.select({ identifier: tickets.identifier }).from(tickets).where(eq(tickets.id, ticket.parentId))
      : Promise.resolve([] as Array<{ identifier: string }>),
    db
      .select({ identifier: tickets.identifier })
      .from(ticketDependencies)
      .innerJoin(tickets, eq(tickets.id, ticketDependencies.blockerId))
      .where(eq(ticketDependencies.blockedId, ticket.id))
      .orderBy(asc(tickets.number)),
  ]);
  const names = (ids: string[]) => ids.map((id) => statusRows.find((s) => s.id === id)?.name ?? '(deleted status)');
  return {
    ticket: {
      identifier: ticket.identifier,
      title: ticket.title,
      description: ticket.description,
      priority: ticket.priority,
      labels: ticket.labels,
      status: status?.name ?? '',
      parent: parent?.identifier ?? '',
      blocked_by: blockers.map((b) => b.identifier),
      budget_usd: ticket.budgetUsd ?? '',
      cost_usd: ticket.costUsd,
    },
    project: {
      name: project.name,
      slug: project.slug,
      ticket_prefix: project.ticketPrefix,
      description: project.description,
    },
    repos: repos.map((r) => ({ name: r.name, url: r.url, default_branch: r.defaultBranch, labels: r.labels })),
    workflow: {
      name: workflow.name,
      version: version.version,
      pickup: names(version.pickupStatusIds),
      finish: names(version.finishStatusIds),
      max_turns: harness.max_turns,
      timeout_minutes: harness.timeout_minutes,
    },
    attempt,
    max_attempts: harness.max_attempts,
    machine,
  };
}

/** Parsed templates by version id: versions are immutable, and parsing is most of a render's CPU. */
const parsedVersions = new Map<string, ReturnType<typeof parseHarness>>();
const PARSED_VERSIONS_KEPT = 200;

function parsedVersion(version: WorkflowVersion): ReturnType<typeof parseHarness> {
  let parsed = parsedVersions.get(version.id);
  if (!parsed) {
    parsed = parseHarness(version.source);
    if (parsedVersions.size >= PARSED_VERSIONS_KEPT) parsedVersions.delete(parsedVersions.keys().next().value!);
    parsedVersions.set(version.id, parsed);
  }
  return parsed;
}

export function renderVersion(version: WorkflowVersion, variables: Record<string, unknown>): string {
  const parsed = parsedVersion(version);
  if (!parsed.templates) throw new OpenaseError('INTERNAL', `workflow version ${version.version} no longer parses`);
  try {
    return renderTemplate(parsed.templates, variables).replace(/^\s*\n/, '');
  } catch (err) {
    throw new OpenaseError('BAD_REQUEST', `rendering failed: ${(err as Error).message}`);
  }
}

export async function renderWorkflow(db: DbOrTx, orgId: string, raw: z.input<typeof workflowRenderInput>) {
  const input = workflowRenderInput.parse(raw);
  const ticket = await resolveTicket(db, orgId, input.ticket);
  const project = await resolveProject(db, orgId, input.project ?? ticket.projectId);
  const workflow = await resolveWorkflow(db, project.id, input.workflow);
  const version = await workflowVersion(db, workflow, input.version);
  if (ticket.projectId !== project.id)
    throw new OpenaseError('BAD_REQUEST', `ticket ${ticket.identifier} belongs to another project`);
  let machine = UNPLACED_MACHINE;
  if (input.machine) {
    const [row] = await db
      .select()
      .from(machines)
      .where(and(eq(machines.orgId, orgId), eq(machines.name, input.machine), isNull(machines.revokedAt)));
    if (!row) throw new OpenaseError('NOT_FOUND', `machine "${input.machine}" does not exist`);
    machine = {
      name: row.name,
      os: row.os ?? '',
      arch: row.arch ?? '',
      labels: row.labels,
      workdir: row.workdir ?? '',
    };
  }
  const variables = await harnessVariables(db, project, ticket, workflow, version, machine);
  return {
    workflow: workflow.name,
    version: version.version,
    ticket: ticket.identifier,
    prompt: renderVersion(version, variables),
    variables,
  };
}
