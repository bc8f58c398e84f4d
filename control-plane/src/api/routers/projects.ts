import { API } from '@openase/shared';
import { createProject, listProjects, updateProject } from '../../projects/projects.js';
import { resolveProject } from '../../kernel/resolve-project.js';
import { addRepository, listRepositories, updateRepository } from '../../projects/repositories.js';
import { deleteProject, deleteRepository } from '../../projects/delete.js';
import { listStatuses } from '../../statuses/statuses.js';
import { updateMergeSettings } from '../../review/settings.js';
import { configureGithub, githubSettings } from '../../integrations/github/links.js';
import { syncGithubIssues } from '../../integrations/github/issues.js';
import { projectInsights } from '../../tickets/insights.js';
import { proc, projectListQuery, router } from '../trpc.js';

export const projectsRouter = router({
  list: proc(API.projects.list).query(({ ctx }) => listProjects(ctx.deps.db, ctx.actor.orgId)),
  get: proc(API.projects.get).query(async ({ ctx, input }) => {
    const project = await resolveProject(ctx.deps.db, ctx.actor.orgId, input.project);
    const [statuses, repositories] = await Promise.all([
      listStatuses(ctx.deps.db, project.id),
      listRepositories(ctx.deps.db, project.id),
    ]);
    return { ...project, statuses, repositories };
  }),
  create: proc(API.projects.create).mutation(({ ctx, input }) => createProject(ctx.deps, ctx.actor, input)),
  /** Name, description, `max_concurrent_runs` (null = no limit). */
  update: proc(API.projects.update).mutation(({ ctx, input }) => updateProject(ctx.deps, ctx.actor, input)),
  /** Everything of the project goes; its short name must be typed again (projects/delete.ts). */
  delete: proc(API.projects.delete).mutation(({ ctx, input }) => deleteProject(ctx.deps, ctx.actor, input)),
  /** Merge method, branch deletion, what a closed pull request does (review/settings.ts). */
  mergeSettings: proc(API.projects.mergeSettings).mutation(({ ctx, input }) =>
    updateMergeSettings(ctx.deps, ctx.actor, input),
  ),
  /** The GitHub connection: token, webhook secret, API base (integrations/github/links.ts). */
  github: proc(API.projects.github).query(({ ctx, input }) => githubSettings(ctx.deps.db, ctx.actor, input.project)),
  connectGithub: proc(API.projects.connectGithub).mutation(({ ctx, input }) =>
    configureGithub(ctx.deps, ctx.actor, input),
  ),
  /** GitHub Issues as a ticket source: link a repository, import and sync now (integrations/github/issues.ts). */
  githubIssues: proc(API.projects.githubIssues).mutation(({ ctx, input }) =>
    syncGithubIssues(ctx.deps, ctx.actor, input),
  ),
  /** Tickets, moves and runs of the last days (tickets/insights.ts): the console's timeline and overview. */
  insights: proc(API.projects.insights).query(({ ctx, input }) =>
    projectInsights(ctx.deps.db, ctx.actor.orgId, ctx.deps.clock.now(), input),
  ),
});

export const repositoriesRouter = router({
  list: proc(API.repositories.list).query(projectListQuery(listRepositories)),
  add: proc(API.repositories.add).mutation(({ ctx, input }) => addRepository(ctx.deps, ctx.actor, input)),
  update: proc(API.repositories.update).mutation(({ ctx, input }) => updateRepository(ctx.deps, ctx.actor, input)),
  delete: proc(API.repositories.delete).mutation(({ ctx, input }) => deleteRepository(ctx.deps, ctx.actor, input)),
});
