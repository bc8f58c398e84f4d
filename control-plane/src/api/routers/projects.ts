import { z } from 'zod';
import {
  projectCreateInput,
  projectGithubInput,
  projectMergeSettingsInput,
  projectRefSchema,
  projectUpdateInput,
  repositoryAddInput,
} from '@openase/shared';
import { createProject, listProjects, resolveProject, updateProject } from '../../projects/projects.js';
import { addRepository, listRepositories } from '../../projects/repositories.js';
import { listStatuses } from '../../statuses/statuses.js';
import { updateMergeSettings } from '../../review/settings.js';
import { configureGithub, githubSettings } from '../../integrations/github/links.js';
import { readProcedure, router, writeProcedure } from '../trpc.js';

export const projectsRouter = router({
  list: readProcedure.query(({ ctx }) => listProjects(ctx.deps.db, ctx.actor.orgId)),
  get: readProcedure.input(z.object({ project: projectRefSchema })).query(async ({ ctx, input }) => {
    const project = await resolveProject(ctx.deps.db, ctx.actor.orgId, input.project);
    const [statuses, repositories] = await Promise.all([
      listStatuses(ctx.deps.db, project.id),
      listRepositories(ctx.deps.db, project.id),
    ]);
    return { ...project, statuses, repositories };
  }),
  create: writeProcedure
    .input(projectCreateInput)
    .mutation(({ ctx, input }) => createProject(ctx.deps, ctx.actor, input)),
  /** Name, description, `max_concurrent_runs` (null = no limit). */
  update: writeProcedure
    .input(projectUpdateInput)
    .mutation(({ ctx, input }) => updateProject(ctx.deps, ctx.actor, input)),
  /** Merge method, branch deletion, what a closed pull request does (review/settings.ts). */
  mergeSettings: writeProcedure
    .input(projectMergeSettingsInput)
    .mutation(({ ctx, input }) => updateMergeSettings(ctx.deps, ctx.actor, input)),
  /** The GitHub connection: token, webhook secret, API base (integrations/github/links.ts). */
  github: readProcedure
    .input(z.object({ project: projectRefSchema }))
    .query(({ ctx, input }) => githubSettings(ctx.deps.db, ctx.actor, input.project)),
  connectGithub: writeProcedure
    .input(projectGithubInput)
    .mutation(({ ctx, input }) => configureGithub(ctx.deps, ctx.actor, input)),
});

export const repositoriesRouter = router({
  list: readProcedure.input(z.object({ project: projectRefSchema })).query(async ({ ctx, input }) => {
    const project = await resolveProject(ctx.deps.db, ctx.actor.orgId, input.project);
    return listRepositories(ctx.deps.db, project.id);
  }),
  add: writeProcedure.input(repositoryAddInput).mutation(({ ctx, input }) => addRepository(ctx.deps, ctx.actor, input)),
});
