/**
 * Built-in workflow templates, shipped in the bundle as harness files (./templates/*.md):
 * `full-stack` (Todo → In Progress → In Review, tests gate the finish) and `hybrid-relay`
 * (Design → Backend → Frontend → Testing → In Review, one workflow per stage). Creating one adds
 * the statuses it needs that the project lacks, sets the agent, and saves each file as version 1.
 */
// Named here, not only in tsconfig, so that packages compiling this file (test-kit) know `?raw` too.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- an ambient declaration, nothing to import
/// <reference path="../raw-imports.d.ts" />
import { and, asc, eq } from 'drizzle-orm';
import {
  badRequest,
  workflowCreateInput,
  workflowNewInput,
  type StatusStage,
  type WorkflowTemplate,
} from '@openase/shared';
import type { z } from 'zod';
import { agents, statuses } from '../db/schema.js';
import type { Tx } from '../db/database.js';
import { recordActivity } from '../activity/activity.js';
import type { Actor, Deps } from '../kernel/context.js';
import type { Changes } from '../kernel/transaction.js';
import { resolveAgent } from '../agents/agents.js';
import { inProjectWithSkills } from '../skills/skills.js';
import { editFrontMatter } from '../kernel/frontmatter.js';
import { isMap } from 'yaml';
import { saveWorkflowSource } from './versions.js';
import { serializeHarness } from './harness/serialize.js';
import { describeVersion, workflowInput, workflowNeed } from './workflows.js';
import fullStack from './templates/full-stack.md?raw';
import relayDesign from './templates/relay-design.md?raw';
import relayBackend from './templates/relay-backend.md?raw';
import relayFrontend from './templates/relay-frontend.md?raw';
import relayTesting from './templates/relay-testing.md?raw';

interface TemplateSpec {
  files: string[];
  /** Statuses the files refer to, created (before `before`) when missing. */
  statuses: Array<{ name: string; stage: StatusStage; color: string }>;
  before: string;
}

export const TEMPLATES: Record<WorkflowTemplate, TemplateSpec> = {
  'full-stack': {
    files: [fullStack],
    statuses: [
      { name: 'Todo', stage: 'unstarted', color: '#64748b' },
      { name: 'In Progress', stage: 'started', color: '#3b82f6' },
      { name: 'In Review', stage: 'started', color: '#a855f7' },
      { name: 'Merging', stage: 'started', color: '#0d9488' },
    ],
    before: 'Done',
  },
  'hybrid-relay': {
    files: [relayDesign, relayBackend, relayFrontend, relayTesting],
    statuses: [
      { name: 'Design', stage: 'started', color: '#f59e0b' },
      { name: 'Backend', stage: 'started', color: '#0ea5e9' },
      { name: 'Frontend', stage: 'started', color: '#14b8a6' },
      { name: 'Testing', stage: 'started', color: '#8b5cf6' },
      { name: 'In Review', stage: 'started', color: '#a855f7' },
    ],
    before: 'Done',
  },
};

export async function createFromTemplate(deps: Deps, actor: Actor, raw: z.input<typeof workflowCreateInput>) {
  const input = await workflowInput(deps, actor, 'create workflows', workflowCreateInput, raw);
  const spec = TEMPLATES[input.template];
  return inProjectWithSkills(
    deps,
    actor,
    input.project,
    async (tx, changes, project) => {
      const agentName = await chooseAgent(tx, project.id, input.agent);
      const createdStatuses = await ensureStatuses(tx, deps, changes, actor, project.id, spec);
      const created = [];
      for (const file of spec.files) {
        const source = agentName ? withAgent(file, agentName) : file;
        // A built-in template's hooks are the platform's text, not the caller's: no exec grant needed.
        const saved = await saveWorkflowSource(tx, deps, changes, actor, project.id, source, {
          mustBeNew: true,
          builtinTemplate: true,
        });
        created.push(await describeVersion(tx, saved.workflow, saved.version, { withSource: false }));
      }
      return { workflows: created, createdStatuses, agent: agentName };
    },
    workflowNeed('create workflows'),
  );
}

/** The body of a workflow created from fields when none is given. */
export const DEFAULT_BODY = `# Role

Work on ticket **{{ ticket.identifier }}: {{ ticket.title }}** in {{ project.name }} (attempt {{ attempt }} of {{ max_attempts }}).

{{ ticket.description }}

When you are done, comment a short summary on the ticket and move it to {{ workflow.finish | join: " or " }}.
`;

/** A workflow from fields: the harness file is written by serializeHarness and saved as version 1. */
export async function createBlankWorkflow(deps: Deps, actor: Actor, raw: z.input<typeof workflowNewInput>) {
  const input = await workflowInput(deps, actor, 'create workflows', workflowNewInput, raw);
  return inProjectWithSkills(
    deps,
    actor,
    input.project,
    async (tx, changes, project) => {
      const agent = await chooseAgent(tx, project.id, input.agent);
      const source = serializeHarness(
        { name: input.name, ...(agent ? { agent } : {}), pickup: input.pickup, finish: input.finish },
        input.body ?? DEFAULT_BODY,
      );
      const saved = await saveWorkflowSource(tx, deps, changes, actor, project.id, source, { mustBeNew: true });
      return describeVersion(tx, saved.workflow, saved.version);
    },
    workflowNeed('create workflows'),
  );
}

async function chooseAgent(tx: Tx, projectId: string, name: string | undefined): Promise<string | null> {
  if (name) return (await resolveAgent(tx, projectId, name)).name;
  const all = await tx.select({ name: agents.name }).from(agents).where(eq(agents.projectId, projectId));
  if (all.length > 1)
    throw badRequest(
      `this project has ${all.length} agents (${all.map((a) => a.name).join(', ')}); choose one with --agent`,
    );
  return all[0]?.name ?? null;
}

/** Inserts `agent:` right after `name:` so the file reads naturally. */
function withAgent(source: string, agent: string): string {
  return editFrontMatter(source, (doc) => {
    doc.set('agent', agent);
    const map = doc.contents;
    if (isMap(map)) {
      const pair = map.items.pop()!;
      map.items.splice(1, 0, pair);
    }
  });
}

async function ensureStatuses(
  tx: Tx,
  deps: Deps,
  changes: Changes,
  actor: Actor,
  projectId: string,
  spec: TemplateSpec,
): Promise<string[]> {
  const existing = await tx
    .select()
    .from(statuses)
    .where(eq(statuses.projectId, projectId))
    .orderBy(asc(statuses.position));
  const has = (name: string) => existing.some((s) => s.name.toLowerCase() === name.toLowerCase());
  const missing = spec.statuses.filter((s) => !has(s.name));
  if (missing.length === 0) return [];
  const anchor = existing.findIndex((s) => s.name.toLowerCase() === spec.before.toLowerCase());
  const at = anchor === -1 ? existing.length : anchor;
  const now = deps.clock.now();
  const inserted = missing.map((s) => ({
    id: deps.ids.uuid(),
    projectId,
    name: s.name,
    stage: s.stage,
    color: s.color,
    position: 0,
    createdAt: now,
  }));
  const ordered = [...existing.slice(0, at), ...inserted, ...existing.slice(at)];
  // Positions are rewritten in one pass; none is unique-constrained, so the order of updates does not matter.
  await tx.insert(statuses).values(inserted);
  for (const [position, s] of ordered.entries())
    await tx
      .update(statuses)
      .set({ position })
      .where(and(eq(statuses.id, s.id), eq(statuses.projectId, projectId)));
  for (const s of inserted) {
    await recordActivity(tx, deps, changes, actor, {
      projectId,
      action: 'status.created',
      entityType: 'status',
      entityId: s.id,
      summary: `created status ${s.name} (${s.stage}) for a workflow template`,
      after: { name: s.name, stage: s.stage },
    });
  }
  return missing.map((s) => s.name);
}
