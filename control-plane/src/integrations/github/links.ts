/**
 * A project's GitHub connection: token, webhook secret (both stored encrypted, never read back)
 * and API base. Admins set it (`openase project github`); the answer says what to configure on
 * GitHub: the webhook's path on this server, its content type and events.
 */
import { eq } from 'drizzle-orm';
import { projectGithubInput } from '@openase/shared';
import { githubLinks } from '../../db/schema.js';
import type { DbOrTx } from '../../db/database.js';
import { recordActivity } from '../../activity/activity.js';
import type { Actor, Command } from '../../kernel/context.js';
import { inProjectAs, projectInput, type ProjectNeed } from '../../auth/project-write.js';
import { resolveProject } from '../../kernel/resolve-project.js';
import { githubConfig } from './client.js';
import { webhookPath } from './webhooks.js';

const CHANGE_GITHUB: ProjectNeed = { min: 'admin', what: "change a project's GitHub connection" };

export const WEBHOOK_EVENTS = ['pull_request', 'pull_request_review', 'check_run', 'check_suite', 'status', 'issues'];

export interface GithubSettings {
  project: string;
  apiUrl: string;
  hasToken: boolean;
  hasWebhookSecret: boolean;
  /** Append to the server's public URL. */
  webhookPath: string;
  webhookEvents: string[];
}

function view(slug: string, projectId: string, link: typeof githubLinks.$inferSelect | undefined): GithubSettings {
  return {
    project: slug,
    apiUrl: link?.apiUrl || githubConfig().apiUrl,
    hasToken: !!link?.token,
    hasWebhookSecret: !!link?.webhookSecret,
    webhookPath: webhookPath(projectId),
    webhookEvents: WEBHOOK_EVENTS,
  };
}

export async function githubSettings(db: DbOrTx, actor: Actor, ref: string): Promise<GithubSettings> {
  const project = await resolveProject(db, actor.orgId, ref);
  const [link] = await db.select().from(githubLinks).where(eq(githubLinks.projectId, project.id));
  return view(project.slug, project.id, link);
}

export const configureGithub: Command<typeof projectGithubInput, GithubSettings> = async (deps, actor, raw) => {
  const input = await projectInput(deps, actor, CHANGE_GITHUB, projectGithubInput, raw);
  return inProjectAs(deps, actor, CHANGE_GITHUB, input.project, async (tx, changes, project) => {
    const [before] = await tx.select().from(githubLinks).where(eq(githubLinks.projectId, project.id));
    const now = deps.clock.now();
    const secret = (v: string | undefined, old: string | null | undefined) =>
      v === undefined ? (old ?? null) : v === '' ? null : deps.secrets.encrypt(v);
    const row = {
      apiUrl: input.apiUrl ?? before?.apiUrl ?? githubConfig().apiUrl,
      token: secret(input.token, before?.token),
      webhookSecret: secret(input.webhookSecret, before?.webhookSecret),
      updatedAt: now,
    };
    const [link] = await tx
      .insert(githubLinks)
      .values({ projectId: project.id, createdAt: now, ...row })
      .onConflictDoUpdate({ target: githubLinks.projectId, set: row })
      .returning();
    const changed = [
      ...(input.token !== undefined ? [input.token ? 'token set' : 'token removed'] : []),
      ...(input.webhookSecret !== undefined
        ? [input.webhookSecret ? 'webhook secret set' : 'webhook secret removed']
        : []),
      ...(input.apiUrl !== undefined ? [`API ${input.apiUrl}`] : []),
    ];
    await recordActivity(tx, deps, changes, actor, {
      projectId: project.id,
      action: 'project.github',
      entityType: 'project',
      entityId: project.id,
      summary: `GitHub connection of ${project.slug}: ${changed.join(', ') || 'unchanged'}`,
      after: { apiUrl: row.apiUrl, hasToken: !!row.token, hasWebhookSecret: !!row.webhookSecret },
    });
    return view(project.slug, project.id, link);
  });
};
