import * as z from '../zod.js';
import { dashedNameSchema, projectRefSchema, shortNameSchema, ticketRefSchema } from './inputs.js';
import { LIMITS } from './limits.js';

/**
 * The fixed variables of a harness body (a Liquid template rendered with strict variables and
 * filters). Dotted path → meaning; `repos[]` items are objects with the listed fields. Anything
 * else is a validation error with its line. Lists also have `.size`, `.first` and `.last`.
 */
export const HARNESS_VARIABLES = {
  'ticket.identifier': 'e.g. DEMO-42',
  'ticket.title': 'the title',
  'ticket.description': 'the description (Markdown)',
  'ticket.priority': 'urgent | high | medium | low | none',
  'ticket.labels': 'list of labels',
  'ticket.status': 'the current status name',
  'ticket.parent': "the parent's identifier, or empty",
  'ticket.blocked_by': 'identifiers of the tickets that block it',
  'ticket.budget_usd': 'the budget in USD, or empty',
  'ticket.cost_usd': 'spent so far in USD',
  'project.name': 'the project name',
  'project.slug': 'the project slug',
  'project.ticket_prefix': 'e.g. DEMO',
  'project.description': 'the project description',
  'repos[].name': 'repository name (its folder in the workspace)',
  'repos[].url': 'clone URL',
  'repos[].default_branch': 'e.g. main',
  'repos[].labels': 'list of labels',
  'workflow.name': 'the workflow name',
  'workflow.version': 'the version number the run pinned',
  'workflow.pickup': 'list of pickup status names',
  'workflow.finish': 'list of finish status names',
  'workflow.max_turns': 'turns per run',
  'workflow.timeout_minutes': 'run timeout',
  attempt: 'this run is attempt N (1-based)',
  max_attempts: 'the workflow max_attempts',
  'machine.name': 'the machine the run is placed on',
  'machine.os': 'e.g. linux',
  'machine.arch': 'e.g. x64',
  'machine.labels': 'list of labels',
  'machine.workdir': "the machine's workspace root",
} as const;

/** A whole harness file as text. */
export const harnessTextSchema = z
  .string()
  .max(LIMITS.harnessMax, `a harness file has at most ${LIMITS.harnessMax} characters`);

export const workflowNameSchema = shortNameSchema;

export const WORKFLOW_TEMPLATES = ['full-stack', 'hybrid-relay'] as const;
export type WorkflowTemplate = (typeof WORKFLOW_TEMPLATES)[number];
/** What each built-in template sets up, as the console's choice says it (control-plane/src/workflows/templates.ts). */
export const WORKFLOW_TEMPLATE_LABELS: Readonly<Record<WorkflowTemplate, string>> = {
  'full-stack': 'Full stack: one agent, Todo to In Review',
  'hybrid-relay': 'Relay: a workflow per stage, Design to In Review',
};

export const workflowRefInput = z.object({ project: projectRefSchema, workflow: workflowNameSchema });
export const workflowImportInput = z.object({
  project: projectRefSchema,
  /** The whole harness file. Its `name:` names the workflow: a new one, or a new version of an existing one. */
  source: harnessTextSchema,
});
export const workflowValidateInput = z.object({
  /** With a project, statuses, agents and skills are checked against it too. */
  project: projectRefSchema.optional(),
  source: harnessTextSchema,
});
export const workflowCreateInput = z.object({
  project: projectRefSchema,
  template: z.enum(WORKFLOW_TEMPLATES),
  /** The agent the template's workflows use (default: the project's only agent, if it has exactly one). */
  agent: z.string().trim().min(1).max(63).optional(),
});
/** A new workflow from fields (no template): the server writes the harness file. */
export const workflowNewInput = z.object({
  project: projectRefSchema,
  name: workflowNameSchema,
  agent: z.string().trim().min(1).max(63).optional(),
  pickup: z.array(z.string().trim().min(1).max(100)).min(1, 'name at least one pickup status'),
  finish: z.array(z.string().trim().min(1).max(100)).min(1, 'name at least one finish status'),
  /** The role and rules (a harness body); default: a generic one. */
  body: z.string().max(100_000).optional(),
});
export const workflowExportInput = workflowRefInput.extend({ version: z.number().int().min(1).optional() });
export const workflowSetActiveInput = workflowRefInput.extend({ active: z.boolean() });
export const workflowRenderInput = z.object({
  /** Default: the ticket's project. */
  project: projectRefSchema.optional(),
  workflow: workflowNameSchema,
  ticket: ticketRefSchema,
  version: z.number().int().min(1).optional(),
  /** Render as if placed on this machine (default: a placeholder). */
  machine: z.string().trim().min(1).max(63).optional(),
});
export const workflowDeleteInput = workflowRefInput;

export const skillNameSchema = dashedNameSchema(63);

export const skillFileSchema = z.object({
  path: z.string().min(1).max(LIMITS.skillPathMax, `a path has at most ${LIMITS.skillPathMax} characters`),
  /** Base64 of the bytes. */
  contentBase64: z
    .string()
    .max(Math.ceil(LIMITS.skillFileMax / 3) * 4 + 4, `a file has at most ${LIMITS.skillFileMax} bytes`),
  executable: z.boolean().default(false),
});
export type SkillFileInput = z.input<typeof skillFileSchema>;

export const skillImportInput = z.object({
  project: projectRefSchema,
  files: z
    .array(skillFileSchema)
    .min(1, 'a skill needs at least SKILL.md')
    .max(LIMITS.skillFilesMax, `a skill has at most ${LIMITS.skillFilesMax} files`),
});
export const skillRefInput = z.object({ project: projectRefSchema, skill: skillNameSchema });
export const skillExportInput = skillRefInput.extend({ version: z.number().int().min(1).optional() });
export const skillSetEnabledInput = skillRefInput.extend({ enabled: z.boolean() });
export const skillBindInput = z.object({
  project: projectRefSchema,
  skill: skillNameSchema,
  workflow: workflowNameSchema,
  /** Pin this skill version; absent = always the skill's current version. */
  version: z.number().int().min(1).optional(),
});
export const skillUnbindInput = z.object({
  project: projectRefSchema,
  skill: skillNameSchema,
  workflow: workflowNameSchema,
});
/** Saves a new version of an existing workflow from a whole file (the web editor's save). */
export const workflowUpdateInput = workflowRefInput.extend({ source: harnessTextSchema });

/** A progress report on a ticket (what an agent's `ticket progress` sends): one line and an optional percent. */
export const ticketProgressInput = z.object({
  ticket: ticketRefSchema,
  text: z
    .string()
    .trim()
    .min(1, 'a progress report needs a text')
    .max(500, 'a progress report has at most 500 characters'),
  percent: z.number().int().min(0).max(100).optional(),
});

/** An agent asks a person (`openase ticket ask`): its run ends and the ticket waits for the answer. */
export const ticketAskInput = z.object({
  ticket: ticketRefSchema,
  question: z.string().trim().min(1, 'a question needs a text').max(2000, 'a question has at most 2000 characters'),
});
/** A person answers (drawer reply, `openase ticket answer`): the ticket is dispatched again with it. */
export const ticketAnswerInput = z.object({
  ticket: ticketRefSchema,
  answer: z.string().trim().min(1, 'an answer needs a text').max(8000, 'an answer has at most 8000 characters'),
});

/**
 * The order in which active workflows that pick up one status are tried: the first by name takes the status's tickets
 * (the dispatcher's gates, orchestrator/gates.ts). One comparator, so what the CLI and the console say is what happens.
 */
export function byWorkflowName(a: { name: string }, b: { name: string }): number {
  return a.name.localeCompare(b.name);
}

/**
 * The statuses more than one active workflow picks up (status names compared as the project spells them, case
 * aside), each with those workflows in the order tried: `workflows[0]` gets the tickets, the others none from it.
 */
export function sharedPickups(
  list: ReadonlyArray<{ name: string; active: boolean; pickup: readonly string[] }>,
): Array<{ status: string; workflows: string[] }> {
  const byStatus = new Map<string, { status: string; workflows: Array<{ name: string }> }>();
  for (const w of list.filter((x) => x.active))
    for (const status of w.pickup) {
      const entry = byStatus.get(status.toLowerCase()) ?? { status, workflows: [] };
      if (!entry.workflows.some((x) => x.name === w.name)) entry.workflows.push(w);
      byStatus.set(status.toLowerCase(), entry);
    }
  return [...byStatus.values()]
    .filter((e) => e.workflows.length > 1)
    .map((e) => ({ status: e.status, workflows: [...e.workflows].sort(byWorkflowName).map((w) => w.name) }));
}
