import { workflowUpdateInput } from '@openase/shared';
import type { z } from 'zod';
import type { Actor, Deps } from '../kernel/context.js';
import { inTransaction } from '../kernel/transaction.js';
import { requireRole } from '../auth/permissions.js';
import { resolveProject } from '../projects/projects.js';
import { ensureBuiltinSkills } from '../skills/skills.js';
import { resolveWorkflow, saveWorkflowSource } from './versions.js';
import { describeVersion } from './workflows.js';

/** Saves an edited file as the next version of the named workflow (its `name:` must stay the same). */
export async function updateWorkflow(deps: Deps, actor: Actor, raw: z.input<typeof workflowUpdateInput>) {
  requireRole(actor, 'member', 'change workflows');
  const input = workflowUpdateInput.parse(raw);
  return inTransaction(deps, async (tx, changes) => {
    const project = await resolveProject(tx, actor.orgId, input.project);
    await ensureBuiltinSkills(tx, deps, changes, actor, project.id);
    const workflow = await resolveWorkflow(tx, project.id, input.workflow);
    const saved = await saveWorkflowSource(tx, deps, changes, actor, project.id, input.source, { expectName: workflow.name });
    return { ...(await describeVersion(tx, saved.workflow, saved.version)), changed: saved.changed };
  });
}
