/** The project's merge settings: method, branch deletion, and what a closed pull request does. */
import { eq } from 'drizzle-orm';
import { projectMergeSettingsInput } from '@openase/shared';
import type { z } from 'zod';
import { projects } from '../db/schema.js';
import { recordActivity } from '../activity/activity.js';
import type { Actor, Deps } from '../kernel/context.js';
import { inProjectAs, projectInput, type ProjectNeed } from '../auth/project-write.js';

const CHANGE_MERGE_SETTINGS: ProjectNeed = { min: 'admin', what: "change a project's merge settings" };

export async function updateMergeSettings(deps: Deps, actor: Actor, raw: z.input<typeof projectMergeSettingsInput>) {
  const input = await projectInput(deps, actor, CHANGE_MERGE_SETTINGS, projectMergeSettingsInput, raw);
  return inProjectAs(deps, actor, CHANGE_MERGE_SETTINGS, input.project, async (tx, changes, project) => {
    const before = {
      mergeMethod: project.mergeMethod,
      deleteMergedBranch: project.deleteMergedBranch,
      closedPullRequest: project.closedPullRequest,
    };
    const after = {
      mergeMethod: input.mergeMethod ?? before.mergeMethod,
      deleteMergedBranch: input.deleteBranch ?? before.deleteMergedBranch,
      closedPullRequest: input.closedPullRequest ?? before.closedPullRequest,
    };
    const [updated] = await tx.update(projects).set(after).where(eq(projects.id, project.id)).returning();
    await recordActivity(tx, deps, changes, actor, {
      projectId: project.id,
      action: 'project.merge_settings',
      entityType: 'project',
      entityId: project.id,
      summary: `merge settings of ${project.slug}: ${after.mergeMethod}, ${after.deleteMergedBranch ? 'delete' : 'keep'} merged branches, a closed pull request ${after.closedPullRequest === 'cancel' ? 'cancels the ticket' : 'sends it back to its workflow'}`,
      before,
      after,
    });
    return updated!;
  });
}
