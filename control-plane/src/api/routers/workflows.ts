/**
 * Agents, workflows and skills: everything the web console's definition pages need. Secret
 * values never leave the server: agent views list secret names only.
 */
import { API } from '@openase/shared';
import { HARNESS_VARIABLES, RUN_TOKEN_SCOPES, DEFAULT_RUN_SCOPES, WORKFLOW_TEMPLATES } from '@openase/shared';
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
import { proc, router } from '../trpc.js';

export const agentsRouter = router({
  list: proc(API.agents.list).query(({ ctx, input }) => listAgents(ctx.deps.db, ctx.actor.orgId, input.project)),
  show: proc(API.agents.show).query(({ ctx, input }) => showAgent(ctx.deps.db, ctx.actor.orgId, input)),
  create: proc(API.agents.create).mutation(({ ctx, input }) => createAgent(ctx.deps, ctx.actor, input)),
  update: proc(API.agents.update).mutation(({ ctx, input }) => updateAgent(ctx.deps, ctx.actor, input)),
  delete: proc(API.agents.delete).mutation(({ ctx, input }) => deleteAgent(ctx.deps, ctx.actor, input)),
});

export const workflowsRouter = router({
  list: proc(API.workflows.list).query(({ ctx, input }) => listWorkflows(ctx.deps.db, ctx.actor.orgId, input.project)),
  /** Current version, or `version`; includes the file text and the resolved skills. */
  show: proc(API.workflows.show).query(({ ctx, input }) => showWorkflow(ctx.deps.db, ctx.actor.orgId, input)),
  /** Every version with its full text, for history and diffs. */
  versions: proc(API.workflows.versions).query(({ ctx, input }) =>
    listWorkflowVersions(ctx.deps.db, ctx.actor.orgId, input),
  ),
  export: proc(API.workflows.export).query(({ ctx, input }) => exportWorkflow(ctx.deps.db, ctx.actor.orgId, input)),
  /**
   * Checks a file (against the project when given) and returns every problem; writes nothing. POST because files are
   * large.
   */
  validate: proc(API.workflows.validate).mutation(({ ctx, input }) =>
    validateWorkflow(ctx.deps.db, ctx.actor.orgId, input),
  ),
  render: proc(API.workflows.render).query(({ ctx, input }) => renderWorkflow(ctx.deps.db, ctx.actor.orgId, input)),
  /** What an editor needs: variables, hooks, scopes, defaults and templates. */
  reference: proc(API.workflows.reference).query(() => ({
    variables: HARNESS_VARIABLES,
    hooks: HOOK_NAMES,
    hookDefaults: HOOK_DEFAULTS,
    defaults: HARNESS_DEFAULTS,
    scopes: RUN_TOKEN_SCOPES,
    defaultScopes: DEFAULT_RUN_SCOPES,
    templates: WORKFLOW_TEMPLATES,
  })),
  import: proc(API.workflows.import).mutation(({ ctx, input }) => importWorkflow(ctx.deps, ctx.actor, input)),
  update: proc(API.workflows.update).mutation(({ ctx, input }) => updateWorkflow(ctx.deps, ctx.actor, input)),
  /** From a built-in template (may create several workflows and missing statuses). */
  create: proc(API.workflows.create).mutation(({ ctx, input }) => createFromTemplate(ctx.deps, ctx.actor, input)),
  /** From fields: name, statuses, agent, body. */
  createBlank: proc(API.workflows.createBlank).mutation(({ ctx, input }) =>
    createBlankWorkflow(ctx.deps, ctx.actor, input),
  ),
  setActive: proc(API.workflows.setActive).mutation(({ ctx, input }) => setWorkflowActive(ctx.deps, ctx.actor, input)),
  delete: proc(API.workflows.delete).mutation(({ ctx, input }) => deleteWorkflow(ctx.deps, ctx.actor, input)),
});

export const skillsRouter = router({
  list: proc(API.skills.list).query(({ ctx, input }) => listSkills(ctx.deps.db, ctx.actor.orgId, input.project)),
  show: proc(API.skills.show).query(({ ctx, input }) => showSkill(ctx.deps.db, ctx.actor.orgId, input)),
  export: proc(API.skills.export).query(({ ctx, input }) => exportSkill(ctx.deps.db, ctx.actor.orgId, input)),
  import: proc(API.skills.import).mutation(({ ctx, input }) => importSkill(ctx.deps, ctx.actor, input)),
  setEnabled: proc(API.skills.setEnabled).mutation(({ ctx, input }) => setSkillEnabled(ctx.deps, ctx.actor, input)),
  bind: proc(API.skills.bind).mutation(({ ctx, input }) => bindSkill(ctx.deps, ctx.actor, input)),
  unbind: proc(API.skills.unbind).mutation(({ ctx, input }) => unbindSkill(ctx.deps, ctx.actor, input)),
});
