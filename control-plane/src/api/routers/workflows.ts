/**
 * Agents, workflows and skills: everything the web console's definition pages need. Secret
 * values never leave the server: agent views list secret names only.
 */
import { z } from 'zod';
import {
  agentCreateInput,
  agentRefInput,
  agentUpdateInput,
  HARNESS_VARIABLES,
  projectRefSchema,
  RUN_TOKEN_SCOPES,
  DEFAULT_RUN_SCOPES,
  skillBindInput,
  skillExportInput,
  skillImportInput,
  skillSetEnabledInput,
  skillUnbindInput,
  workflowCreateInput,
  workflowNewInput,
  workflowExportInput,
  workflowImportInput,
  workflowRefInput,
  workflowRenderInput,
  workflowSetActiveInput,
  workflowUpdateInput,
  workflowValidateInput,
  WORKFLOW_TEMPLATES,
} from '@openase/shared';
import { createAgent, deleteAgent, listAgents, showAgent, updateAgent } from '../../agents/agents.js';
import {
  deleteWorkflow,
  exportWorkflow,
  importWorkflow,
  listWorkflows,
  listWorkflowVersions,
  setWorkflowActive,
  showWorkflow,
  updateWorkflow,
  validateWorkflow,
} from '../../workflows/workflows.js';
import { createBlankWorkflow, createFromTemplate } from '../../workflows/templates.js';
import { renderWorkflow } from '../../workflows/render.js';
import { bindSkill, unbindSkill } from '../../workflows/bindings.js';
import { HARNESS_DEFAULTS, HOOK_DEFAULTS, HOOK_NAMES } from '../../workflows/harness/schema.js';
import { exportSkill, importSkill, listSkills, setSkillEnabled, showSkill } from '../../skills/skills.js';
import { readProcedure, router, writeProcedure } from '../trpc.js';

const projectInput = z.object({ project: projectRefSchema });

export const agentsRouter = router({
  list: readProcedure
    .input(projectInput)
    .query(({ ctx, input }) => listAgents(ctx.deps.db, ctx.actor.orgId, input.project)),
  show: readProcedure.input(agentRefInput).query(({ ctx, input }) => showAgent(ctx.deps.db, ctx.actor.orgId, input)),
  create: writeProcedure.input(agentCreateInput).mutation(({ ctx, input }) => createAgent(ctx.deps, ctx.actor, input)),
  update: writeProcedure.input(agentUpdateInput).mutation(({ ctx, input }) => updateAgent(ctx.deps, ctx.actor, input)),
  delete: writeProcedure.input(agentRefInput).mutation(({ ctx, input }) => deleteAgent(ctx.deps, ctx.actor, input)),
});

export const workflowsRouter = router({
  list: readProcedure
    .input(projectInput)
    .query(({ ctx, input }) => listWorkflows(ctx.deps.db, ctx.actor.orgId, input.project)),
  /** Current version, or `version`; includes the file text and the resolved skills. */
  show: readProcedure
    .input(workflowExportInput)
    .query(({ ctx, input }) => showWorkflow(ctx.deps.db, ctx.actor.orgId, input)),
  /** Every version with its full text, for history and diffs. */
  versions: readProcedure
    .input(workflowRefInput)
    .query(({ ctx, input }) => listWorkflowVersions(ctx.deps.db, ctx.actor.orgId, input)),
  export: readProcedure
    .input(workflowExportInput)
    .query(({ ctx, input }) => exportWorkflow(ctx.deps.db, ctx.actor.orgId, input)),
  /**
   * Checks a file (against the project when given) and returns every problem; writes nothing. POST because files are
   * large.
   */
  validate: readProcedure
    .input(workflowValidateInput)
    .mutation(({ ctx, input }) => validateWorkflow(ctx.deps.db, ctx.actor.orgId, input)),
  render: readProcedure
    .input(workflowRenderInput)
    .query(({ ctx, input }) => renderWorkflow(ctx.deps.db, ctx.actor.orgId, input)),
  /** What an editor needs: variables, hooks, scopes, defaults and templates. */
  reference: readProcedure.query(() => ({
    variables: HARNESS_VARIABLES,
    hooks: HOOK_NAMES,
    hookDefaults: HOOK_DEFAULTS,
    defaults: HARNESS_DEFAULTS,
    scopes: RUN_TOKEN_SCOPES,
    defaultScopes: DEFAULT_RUN_SCOPES,
    templates: WORKFLOW_TEMPLATES,
  })),
  import: writeProcedure
    .input(workflowImportInput)
    .mutation(({ ctx, input }) => importWorkflow(ctx.deps, ctx.actor, input)),
  update: writeProcedure
    .input(workflowUpdateInput)
    .mutation(({ ctx, input }) => updateWorkflow(ctx.deps, ctx.actor, input)),
  /** From a built-in template (may create several workflows and missing statuses). */
  create: writeProcedure
    .input(workflowCreateInput)
    .mutation(({ ctx, input }) => createFromTemplate(ctx.deps, ctx.actor, input)),
  /** From fields: name, statuses, agent, body. */
  createBlank: writeProcedure
    .input(workflowNewInput)
    .mutation(({ ctx, input }) => createBlankWorkflow(ctx.deps, ctx.actor, input)),
  setActive: writeProcedure
    .input(workflowSetActiveInput)
    .mutation(({ ctx, input }) => setWorkflowActive(ctx.deps, ctx.actor, input)),
  delete: writeProcedure
    .input(workflowRefInput)
    .mutation(({ ctx, input }) => deleteWorkflow(ctx.deps, ctx.actor, input)),
});

export const skillsRouter = router({
  list: readProcedure
    .input(projectInput)
    .query(({ ctx, input }) => listSkills(ctx.deps.db, ctx.actor.orgId, input.project)),
  show: readProcedure.input(skillExportInput).query(({ ctx, input }) => showSkill(ctx.deps.db, ctx.actor.orgId, input)),
  export: readProcedure
    .input(skillExportInput)
    .query(({ ctx, input }) => exportSkill(ctx.deps.db, ctx.actor.orgId, input)),
  import: writeProcedure.input(skillImportInput).mutation(({ ctx, input }) => importSkill(ctx.deps, ctx.actor, input)),
  setEnabled: writeProcedure
    .input(skillSetEnabledInput)
    .mutation(({ ctx, input }) => setSkillEnabled(ctx.deps, ctx.actor, input)),
  bind: writeProcedure.input(skillBindInput).mutation(({ ctx, input }) => bindSkill(ctx.deps, ctx.actor, input)),
  unbind: writeProcedure.input(skillUnbindInput).mutation(({ ctx, input }) => unbindSkill(ctx.deps, ctx.actor, input)),
});
