/**
 * Agents (providers) of a project: which CLI a workflow runs, with what arguments, model, env,
 * secrets, parallelism, prices and machine labels. Secret values are encrypted with
 * `deps.secrets` and are write-only: views list their names, never their values; only the
 * dispatcher reads them (agentSecretEnv) to hand them to the CLI as env vars.
 */
import { and, asc, eq, sql } from 'drizzle-orm';
import {
  ADAPTER_DEFAULT_COMMAND,
  ADAPTER_DEFAULT_MODEL,
  agentCreateInput,
  agentRefInput,
  agentUpdateInput,
  badRequest,
  conflict,
  defaultPricing,
  notFound,
  type AgentCreateInput,
  type AgentUpdateInput,
} from '@openase/shared';
import type { z } from 'zod';
import { agents, secrets, workflows, workflowVersions } from '../db/schema.js';
import type { DbOrTx, Tx } from '../db/database.js';
import { deleteRecorded, recordActivity } from '../activity/activity.js';
import type { Actor, Command, Deps } from '../kernel/context.js';
import { insertNew } from '../kernel/rows.js';
import { inProjectAs, projectInput, type ProjectNeed } from '../auth/project-write.js';
import { resolveProject } from '../kernel/resolve-project.js';
import { namedInProject } from '../kernel/lookups.js';
import { lockName } from '../db/name-lock.js';
import { launchChangedBy, launchSetBy, requireLaunchGrant } from './launch.js';

/** What each change here needs of the actor in its project (auth/project-write.ts). */
const MANAGE_AGENTS: ProjectNeed = { min: 'admin', what: 'manage agents' };

export type Agent = typeof agents.$inferSelect;

/** What the API returns: the agent without any secret value. */
export interface AgentView extends Agent {
  pricing: { input: number; output: number; cached: number };
  secrets: Array<{ name: string; set: true; updatedAt: Date }>;
}

export async function resolveAgent(db: DbOrTx, projectId: string, name: string): Promise<Agent> {
  const condition = namedInProject(agents, projectId, name);
  const [agent] = await db.select().from(agents).where(condition);
  if (!agent) {
    const known = (await db.select({ name: agents.name }).from(agents).where(eq(agents.projectId, projectId))).map(
      (a) => a.name,
    );
    throw notFound(
      `agent "${name}" does not exist in this project; ${known.length ? `known agents: ${known.join(', ')}` : 'create one with `openase agent create`'}`,
    );
  }
  return agent;
}

async function view(db: DbOrTx, agent: Agent): Promise<AgentView> {
  const rows = await db
    .select({ name: secrets.name, updatedAt: secrets.updatedAt })
    .from(secrets)
    .where(eq(secrets.agentId, agent.id))
    .orderBy(asc(secrets.name));
  return {
    ...agent,
    pricing: { input: agent.priceInput, output: agent.priceOutput, cached: agent.priceCached },
    secrets: rows.map((r) => ({ name: r.name, set: true as const, updatedAt: r.updatedAt })),
  };
}

export async function listAgents(db: DbOrTx, orgId: string, projectRef: string): Promise<AgentView[]> {
  const project = await resolveProject(db, orgId, projectRef);
  const rows = await db.select().from(agents).where(eq(agents.projectId, project.id)).orderBy(asc(agents.name));
  return Promise.all(rows.map((a) => view(db, a)));
}

export async function showAgent(db: DbOrTx, orgId: string, raw: z.input<typeof agentRefInput>): Promise<AgentView> {
  const input = agentRefInput.parse(raw);
  const project = await resolveProject(db, orgId, input.project);
  return view(db, await resolveAgent(db, project.id, input.agent));
}

/** Safe to record and show: everything but secret values. */
function describe(agent: Agent, secretNames: string[]) {
  return {
    name: agent.name,
    adapter: agent.adapter,
    command: agent.command,
    args: agent.args,
    model: agent.model,
    env: agent.env,
    secrets: secretNames,
    maxParallelRuns: agent.maxParallelRuns,
    pricing: { input: agent.priceInput, output: agent.priceOutput, cached: agent.priceCached },
    machineLabels: agent.machineLabels,
    mcpServers: agent.mcpServers,
  };
}

function commandFor(adapter: Agent['adapter'], command: string | null | undefined): string {
  const chosen = command ?? ADAPTER_DEFAULT_COMMAND[adapter];
  if (!chosen)
    throw badRequest(
      'a custom agent needs a command: the program to run, which speaks the normalized event JSON lines',
    );
  return chosen;
}

export async function createAgent(deps: Deps, actor: Actor, raw: AgentCreateInput): Promise<AgentView> {
  const input = await projectInput(deps, actor, MANAGE_AGENTS, agentCreateInput, raw);
  requireLaunchGrant(actor, input.name, launchSetBy(input));
  return inProjectAs(deps, actor, MANAGE_AGENTS, input.project, async (tx, changes, project) => {
    await lockName(tx, 'agent', project.id, input.name);
    const [clash] = await tx
      .select({ id: agents.id })
      .from(agents)
      .where(and(eq(agents.projectId, project.id), sql`lower(${agents.name}) = lower(${input.name})`));
    if (clash) throw conflict(`agent "${input.name}" already exists in ${project.slug}`);
    const model = input.model ?? ADAPTER_DEFAULT_MODEL[input.adapter];
    const pricing = input.pricing ?? defaultPricing(model) ?? { input: 0, output: 0, cached: 0 };
    const now = deps.clock.now();
    const agent = await insertNew(tx, deps, agents, {
      projectId: project.id,
      name: input.name,
      adapter: input.adapter,
      command: commandFor(input.adapter, input.command),
      args: input.args,
      model,
      env: input.env,
      maxParallelRuns: input.maxParallelRuns ?? null,
      priceInput: pricing.input,
      priceOutput: pricing.output,
      priceCached: pricing.cached,
      machineLabels: [...new Set(input.machineLabels)],
      mcpServers: input.mcpServers,
      createdAt: now,
      updatedAt: now,
    });
    await writeSecrets(tx, deps, agent, input.secrets);
    await recordActivity(tx, deps, changes, actor, {
      projectId: project.id,
      action: 'agent.created',
      entityType: 'agent',
      entityId: agent.id,
      summary: `created agent ${agent.name} (${agent.adapter}${model ? `, ${model}` : ''})`,
      after: describe(agent, Object.keys(input.secrets).sort()),
    });
    return view(tx, agent);
  });
}

async function writeSecrets(tx: Tx, deps: Deps, agent: Agent, values: Record<string, string>): Promise<void> {
  const now = deps.clock.now();
  for (const [name, value] of Object.entries(values)) {
    const ciphertext = deps.secrets.encrypt(value);
    await tx
      .insert(secrets)
      .values({
        id: deps.ids.uuid(),
        projectId: agent.projectId,
        agentId: agent.id,
        name,
        ciphertext,
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoUpdate({ target: [secrets.agentId, secrets.name], set: { ciphertext, updatedAt: now } });
  }
}

export async function updateAgent(deps: Deps, actor: Actor, raw: AgentUpdateInput): Promise<AgentView> {
  const input = await projectInput(deps, actor, MANAGE_AGENTS, agentUpdateInput, raw);
  return inProjectAs(deps, actor, MANAGE_AGENTS, input.project, async (tx, changes, project) => {
    const found = await resolveAgent(tx, project.id, input.agent);
    const [agent] = await tx.select().from(agents).where(eq(agents.id, found.id)).for('update');
    const secretNamesBefore = (await view(tx, agent!)).secrets.map((s) => s.name);
    const adapter = input.adapter ?? agent!.adapter;
    const patch: Partial<Agent> = {};
    if (input.name !== undefined && input.name !== agent!.name) {
      const [clash] = await tx
        .select({ id: agents.id })
        .from(agents)
        .where(and(eq(agents.projectId, project.id), sql`lower(${agents.name}) = lower(${input.name})`));
      if (clash && clash.id !== agent!.id) throw conflict(`agent "${input.name}" already exists in ${project.slug}`);
      patch.name = input.name;
    }
    if (input.adapter !== undefined) patch.adapter = input.adapter;
    if (input.command !== undefined || input.adapter !== undefined)
      patch.command = commandFor(
        adapter,
        input.command === undefined ? (input.adapter ? null : agent!.command) : input.command,
      );
    requireLaunchGrant(actor, agent!.name, launchChangedBy(agent!, input, patch.command));
    if (input.args !== undefined) patch.args = input.args;
    if (input.model !== undefined) patch.model = input.model;
    if (input.env !== undefined) patch.env = input.env;
    if (input.maxParallelRuns !== undefined) patch.maxParallelRuns = input.maxParallelRuns;
    if (input.machineLabels !== undefined) patch.machineLabels = [...new Set(input.machineLabels)];
    if (input.mcpServers !== undefined) patch.mcpServers = input.mcpServers;
    const pricing = input.pricing ?? (input.model ? defaultPricing(input.model) : null);
    if (pricing)
      Object.assign(patch, { priceInput: pricing.input, priceOutput: pricing.output, priceCached: pricing.cached });
    const [updated] = await tx
      .update(agents)
      .set({ ...patch, updatedAt: deps.clock.now() })
      .where(eq(agents.id, agent!.id))
      .returning();
    if (input.setSecrets) await writeSecrets(tx, deps, updated!, input.setSecrets);
    for (const name of input.unsetSecrets ?? [])
      await tx.delete(secrets).where(and(eq(secrets.agentId, agent!.id), eq(secrets.name, name)));
    const result = await view(tx, updated!);
    await recordActivity(tx, deps, changes, actor, {
      projectId: project.id,
      action: 'agent.updated',
      entityType: 'agent',
      entityId: agent!.id,
      summary: `updated agent ${updated!.name}${input.setSecrets ? ` (secrets set: ${Object.keys(input.setSecrets).join(', ')})` : ''}`,
      before: describe(agent!, secretNamesBefore),
      after: describe(
        updated!,
        result.secrets.map((s) => s.name),
      ),
    });
    return result;
  });
}

export const deleteAgent: Command<typeof agentRefInput, { deleted: string }> = async (deps, actor, raw) => {
  const input = await projectInput(deps, actor, MANAGE_AGENTS, agentRefInput, raw);
  return inProjectAs(deps, actor, MANAGE_AGENTS, input.project, async (tx, changes, project) => {
    const agent = await resolveAgent(tx, project.id, input.agent);
    const users = await tx
      .select({ name: workflows.name })
      .from(workflows)
      .innerJoin(workflowVersions, eq(workflowVersions.id, workflows.currentVersionId))
      .where(eq(workflowVersions.agentId, agent.id));
    if (users.length)
      throw conflict(
        `agent ${agent.name} is used by workflow(s) ${users.map((u) => u.name).join(', ')}; point them at another agent first`,
      );
    return deleteRecorded(tx, deps, changes, actor, agents, agent, {
      projectId: project.id,
      action: 'agent.deleted',
      entityType: 'agent',
      summary: `deleted agent ${agent.name}`,
      before: describe(agent, []),
    });
  });
};

/** The decrypted secret env of an agent, for the dispatcher only: never return it from the API. */
export async function agentSecretEnv(
  deps: Pick<Deps, 'db' | 'secrets'>,
  agentId: string,
): Promise<Record<string, string>> {
  const rows = await deps.db
    .select({ name: secrets.name, ciphertext: secrets.ciphertext })
    .from(secrets)
    .where(eq(secrets.agentId, agentId));
  return Object.fromEntries(rows.map((r) => [r.name, deps.secrets.decrypt(r.ciphertext)]));
}
