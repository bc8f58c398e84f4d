import { and, asc, eq } from 'drizzle-orm';
import {
  badRequest,
  conflict,
  notFound,
  repositoryAddInput,
  repositoryUpdateInput,
  type RepositoryAddInput,
} from '@openase/shared';
import { repositories } from '../db/schema.js';
import type { DbOrTx } from '../db/database.js';
import { recordActivity } from '../activity/activity.js';
import type { Actor, Command, Deps } from '../kernel/context.js';
import { insertNew } from '../kernel/rows.js';
import { inProjectAs, memberInput, projectInput } from '../auth/project-write.js';

export type Repository = typeof repositories.$inferSelect;

/** Any URL git understands: scheme URLs (https, ssh, git, file), scp-like `user@host:path`, or an absolute path. */
export function isGitUrl(url: string): boolean {
  if (/[\s\0]/.test(url) || url.startsWith('-')) return false;
  if (/^(https?|ssh|git|file):\/\/\S+$/.test(url)) return true;
  if (/^[\w.-]+@[\w.-]+:\S+$/.test(url)) return true;
  return url.startsWith('/');
}

export function repositoryNameFromUrl(url: string): string {
  const last = url.replace(/\/+$/, '').split(/[/:]/).pop() ?? 'repo';
  return last.replace(/\.git$/, '') || 'repo';
}

export async function addRepository(deps: Deps, actor: Actor, rawInput: RepositoryAddInput): Promise<Repository> {
  const input = await memberInput(deps, actor, 'add repositories', repositoryAddInput, rawInput);
  if (!isGitUrl(input.url)) {
    throw badRequest(
      `"${input.url}" is not a git URL; use https://…, ssh://…, git@host:path, file:///path or an absolute path`,
    );
  }
  const need = { min: 'member', what: 'add repositories' } as const;
  return inProjectAs(deps, actor, need, input.project, async (tx, changes, project) => {
    const name = input.name ?? repositoryNameFromUrl(input.url);
    const [existing] = await tx
      .select({ id: repositories.id })
      .from(repositories)
      .where(and(eq(repositories.projectId, project.id), eq(repositories.name, name)));
    if (existing)
      throw conflict(`project ${project.slug} already has a repository named "${name}"; pass --name to choose another`);
    const repo = await insertNew(tx, deps, repositories, {
      projectId: project.id,
      name,
      url: input.url,
      defaultBranch: input.defaultBranch,
      labels: input.labels,
      createdAt: deps.clock.now(),
    });
    await recordActivity(tx, deps, changes, actor, {
      projectId: project.id,
      action: 'repository.added',
      entityType: 'repository',
      entityId: repo.id,
      summary: `added repository ${name} (${input.url})`,
      after: { name, url: input.url, defaultBranch: input.defaultBranch, labels: input.labels },
    });
    return repo;
  });
}

export async function listRepositories(db: DbOrTx, projectId: string): Promise<Repository[]> {
  return db.select().from(repositories).where(eq(repositories.projectId, projectId)).orderBy(asc(repositories.name));
}

/** The project's repository of that name, or a refusal that lists the ones it has. */
export async function resolveRepository(db: DbOrTx, project: { id: string; slug: string }, ref: string) {
  const [repo] = await db
    .select()
    .from(repositories)
    .where(and(eq(repositories.projectId, project.id), eq(repositories.name, ref)));
  if (repo) return repo;
  const known = (await listRepositories(db, project.id)).map((r) => r.name);
  throw notFound(
    `project ${project.slug} has no repository named "${ref}"; ${known.length ? `its repositories: ${known.join(', ')}` : 'it has none'}`,
  );
}

/** Changes the branch agents start from and merge into (a remote whose default is not `main`), or the labels. */
export const updateRepository: Command<typeof repositoryUpdateInput, Repository> = async (deps, actor, raw) => {
  const need = { min: 'member', what: 'change repositories' } as const;
  const input = await projectInput(deps, actor, need, repositoryUpdateInput, raw);
  return inProjectAs(deps, actor, need, input.project, async (tx, changes, project) => {
    const repo = await resolveRepository(tx, project, input.repository);
    const patch = {
      ...(input.defaultBranch !== undefined ? { defaultBranch: input.defaultBranch } : {}),
      ...(input.labels !== undefined ? { labels: input.labels } : {}),
    };
    if (!Object.keys(patch).length) throw badRequest('nothing to change: give a branch or labels');
    const [updated] = await tx.update(repositories).set(patch).where(eq(repositories.id, repo.id)).returning();
    await recordActivity(tx, deps, changes, actor, {
      projectId: project.id,
      action: 'repository.updated',
      entityType: 'repository',
      entityId: repo.id,
      summary: `changed repository ${repo.name}${input.defaultBranch ? ` (branch ${input.defaultBranch})` : ''}`,
      before: { defaultBranch: repo.defaultBranch, labels: repo.labels },
      after: patch,
    });
    return updated!;
  });
};
