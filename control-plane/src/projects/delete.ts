/**
 * Deleting a project or one of its repositories (admins). A project: its short name typed again as
 * confirmation, refused while any of its runs is in progress; everything of the project goes with it
 * (tickets, runs, workflows, agents, secrets, jobs, rules, conversations — the database cascades), workspaces
 * its runs left on machines are asked to be removed, and one `project.deleted` entry stays in the
 * organization's activity. A repository: refused while a run in progress has it in its workspace. Workflows
 * do not name repositories (every run gets all of its project's), so no workflow can be left pointing at one.
 */
import { eq, sql } from 'drizzle-orm';
import { badRequest, conflict, projectDeleteInput, repositoryDeleteInput } from '@openase/shared';
import { inboxItems, projects, repositories, runs, tickets } from '../db/schema.js';
import { deleteRecorded, recordActivity } from '../activity/activity.js';
import type { Command, Deleted } from '../kernel/context.js';
import { allowedInput, inProject, inProjectAs, projectInput } from '../auth/project-write.js';
import { describeRuns, liveRuns } from '../runs/in-use.js';
import { pendingRemovals } from '../runs/workspace-removals.js';
import { resolveRepository } from './repositories.js';

export interface ProjectDeleted extends Deleted {
  tickets: number;
}

export const deleteProject: Command<typeof projectDeleteInput, ProjectDeleted> = async (deps, actor, raw) => {
  const input = allowedInput(actor, 'admin', 'delete projects', projectDeleteInput, raw);
  return inProject(deps, actor, input.project, async (tx, changes, found) => {
    const [project] = await tx.select().from(projects).where(eq(projects.id, found.id)).for('update');
    if (input.confirm !== project!.slug)
      throw badRequest(`deleting project ${project!.name} needs its short name "${project!.slug}" typed to confirm`);
    const live = await liveRuns(tx, eq(runs.projectId, project!.id));
    if (live.length)
      throw conflict(
        `project ${project!.slug} cannot be deleted while agents work in it: ${describeRuns(live)} ${live.length === 1 ? 'has a run' : 'have runs'} in progress; cancel ${live.length === 1 ? 'it' : 'them'} first`,
      );
    for (const p of await pendingRemovals(tx, eq(runs.projectId, project!.id))) {
      changes.commands.push({ machineId: p.machineId, frame: p.frame });
      await recordActivity(tx, deps, changes, actor, {
        projectId: project!.id,
        ticketId: p.ticketId,
        action: 'workspace.remove_requested',
        entityType: 'ticket',
        entityId: p.ticketId,
        summary: `project ${project!.slug} was deleted: removing a workspace on the machine that worked on it`,
        after: { machineId: p.machineId },
      });
    }
    const [{ count } = { count: 0 }] = await tx
      .select({ count: sql<number>`count(*)::int` })
      .from(tickets)
      .where(eq(tickets.projectId, project!.id));
    await tx.delete(inboxItems).where(eq(inboxItems.projectId, project!.id));
    await tx.delete(projects).where(eq(projects.id, project!.id));
    // The organization's activity (no project): the project's own log goes with it.
    await recordActivity(tx, deps, changes, actor, {
      projectId: null,
      action: 'project.deleted',
      entityType: 'project',
      entityId: project!.id,
      summary: `deleted project ${project!.name} (${project!.slug}) and its ${count} ticket(s)`,
      before: { name: project!.name, slug: project!.slug, ticketPrefix: project!.ticketPrefix, tickets: count },
    });
    return { deleted: project!.slug, tickets: count };
  });
};

export const deleteRepository: Command<typeof repositoryDeleteInput, Deleted> = async (deps, actor, raw) => {
  // A project admin's (or an organization admin's), like the project's other settings.
  const need = { min: 'admin', what: 'delete repositories' } as const;
  const input = await projectInput(deps, actor, need, repositoryDeleteInput, raw);
  return inProjectAs(deps, actor, need, input.project, async (tx, changes, project) => {
    const repo = await resolveRepository(tx, project, input.repository);
    const using = (await liveRuns(tx, eq(runs.projectId, project.id))).filter((r) =>
      ((r.spec as { repos?: Array<{ name: string }> }).repos ?? []).some((x) => x.name === repo.name),
    );
    if (using.length)
      throw conflict(
        `repository ${repo.name} cannot be deleted while agents work in it: ${describeRuns(using)} ${using.length === 1 ? 'has a run' : 'have runs'} in progress with it in the workspace; cancel ${using.length === 1 ? 'it' : 'them'} or wait until ${using.length === 1 ? 'it ends' : 'they end'}`,
      );
    return deleteRecorded(tx, deps, changes, actor, repositories, repo, {
      projectId: project.id,
      action: 'repository.deleted',
      entityType: 'repository',
      summary: `deleted repository ${repo.name} (${repo.url})`,
      before: { name: repo.name, url: repo.url, defaultBranch: repo.defaultBranch, labels: repo.labels },
    });
  });
};
