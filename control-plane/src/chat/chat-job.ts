/**
 * The agent job of a Project AI conversation (`kind: 'agent'`, shared/src/protocol/agent-run.ts),
 * built like a ticket's (orchestrator/job-spec.ts) but for talking: a chat system prompt instead
 * of a harness, the person's message as the first turn, the conversation's own branch
 * `openase/chat-<short id>` (so the daemon gives it its own worktree), no turn limit worth
 * mentioning and no deadline (the person takes their time between turns), and a run token with
 * the project's Project-AI scopes.
 */
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import {
  ACTIVE_RUN_STATES,
  agentJobSpecSchema,
  DEFAULT_PROJECT_AI_SCOPES,
  parseRunScope,
  type RunSpec,
} from '@openase/shared';
import { machines, projects, runs } from '../db/schema.js';
import type { DbOrTx, Tx } from '../db/database.js';
import type { Deps } from '../kernel/context.js';
import type { OfferableRun } from '../runs/lifecycle.js';
import { agentSecretEnv, type Agent } from '../agents/agents.js';
import { mintRunToken, revokeRunTokens } from '../auth/run-tokens.js';
import { describeNeed, machineHas, requiredCommand } from '../orchestrator/gates.js';
import { chooseMachine, rankMachines } from '../orchestrator/placement.js';
import { agentCli, jobRepos, skillFiles, type StoredAgentJob } from '../orchestrator/job-spec.js';
import { machineClis, machineMissingCommands } from '../orchestrator/project-facts.js';
import type { Project } from '../projects/projects.js';
import { listRepositories } from '../projects/repositories.js';

/** Turns one chat run may take before the person has to reopen the conversation. */
export const CHAT_MAX_TURNS = 200;

export type Conversation = typeof import('../db/schema.js').chatConversations.$inferSelect;

/** `openase/chat-<first 8 hex of the id>`: the conversation's worktree branch. */
export function chatBranch(conversationId: string): string {
  return `openase/chat-${conversationId.replace(/-/g, '').slice(0, 8)}`;
}

export function chatSystemPrompt(
  project: Pick<Project, 'name' | 'slug'>,
  conversation: Pick<Conversation, 'id' | 'createdByName' | 'branch'>,
  scopes: readonly string[],
): string {
  return [
    `You are Project AI for the OpenASE project "${project.name}" (${project.slug}), talking with ${conversation.createdByName}.`,
    'Help them shape vague requirements into concrete work: ask questions when something is unclear, then draft tickets, change workflows, or do git work.',
    `Your workspace is a git worktree on the branch ${conversation.branch}, yours alone. You can read git (status, log, diff) but not write its history (commit, branch, push): after each of your turns the platform commits what you changed and pushes that branch, never the default branch. A new repository of your own (git init) goes in a folder of $OPENASE_WORKSPACE outside the worktree.`,
    'Act on the platform only with the `openase` command on your PATH (run `openase --help`); each action is recorded in the activity log under this conversation and the person who started it.',
    `What this conversation may do on the platform: ${scopes.length ? scopes.join(', ') : 'nothing (read-only conversation)'}.`,
    'Reply concisely. When you created or changed something, say what and give its identifier.',
  ].join('\n');
}

/** The run-token scopes of the project's conversations (unknown entries are dropped). */
export function projectAiScopes(project: Pick<Project, 'projectAiScopes'>): string[] {
  const entries = project.projectAiScopes ?? [...DEFAULT_PROJECT_AI_SCOPES];
  return entries.flatMap((e) => {
    const parsed = parseRunScope(e);
    return parsed && 'scope' in parsed ? [parsed.scope] : [];
  });
}

export async function buildChatJob(
  db: DbOrTx,
  input: { project: Project; conversation: Conversation; agent: Agent; prompt: string; resumeSessionId: string | null },
): Promise<StoredAgentJob> {
  const { project, conversation, agent } = input;
  const repos = await listRepositories(db, project.id);
  const short = conversation.branch.slice('openase/'.length);
  const spec: StoredAgentJob = {
    kind: 'agent',
    // A conversation stands where a ticket would: its identifier names the workspace folder.
    ticket: {
      id: conversation.id,
      identifier: short,
      title: conversation.title.split('\n')[0]!.slice(0, 200),
      branch: conversation.branch,
    },
    project: { slug: project.slug },
    repos: jobRepos(repos),
    attempt: 1,
    maxAttempts: 1,
    agent: {
      ...agentCli(agent),
      systemPrompt: chatSystemPrompt(project, conversation, projectAiScopes(project)),
      prompt: input.prompt,
      maxTurns: CHAT_MAX_TURNS,
      permissionMode: 'default',
      tools: { allow: [], deny: [] },
      ...(input.resumeSessionId ? { resumeSessionId: input.resumeSessionId } : {}),
      mcpServers: {},
      // Only the auto-bound platform skill: a conversation has no workflow binding skills.
      skills: await skillFiles(db, project.id, []),
    },
    hooks: {},
    paths: {},
  };
  agentJobSpecSchema.parse({ ...spec, platform: { url: 'http://placeholder.invalid', token: 'x' } });
  return spec;
}

/**
 * Where a conversation's run goes: a connected machine of the org with the agent's labels and CLI,
 * preferring one with a free slot (the machine part of the pickup gates), then the
 * conversation's previous machine (its worktree and CLI session are there), then the least
 * loaded. When every such machine is full, the run queues on the best of them (`waits` says so):
 * a person is waiting, so the next slot that frees there goes to the conversation before tickets
 * (a queued run counts against the machine's slots for the dispatcher). Rows are locked.
 */
export async function placeChatRun(tx: Tx, orgId: string, agent: Agent, warmMachineId: string | null) {
  const rows = await tx
    .select()
    .from(machines)
    .where(and(eq(machines.orgId, orgId), isNull(machines.revokedAt)));
  const need = requiredCommand({ adapter: agent.adapter as never, command: agent.command });
  const active = await tx
    .select({ machineId: runs.machineId, n: sql<number>`count(*)::int` })
    .from(runs)
    .where(and(eq(runs.orgId, orgId), inArray(runs.state, [...ACTIVE_RUN_STATES])))
    .groupBy(runs.machineId);
  const eligible = rows
    .filter(
      (m) =>
        m.sessionId !== null &&
        agent.machineLabels.every((l) => m.labels.includes(l)) &&
        machineHas({ clis: machineClis(m), missingCommands: machineMissingCommands(m) }, need),
    )
    .map((m) => ({
      id: m.id,
      name: m.name,
      slots: m.slots,
      activeRuns: active.find((a) => a.machineId === m.id)?.n ?? 0,
    }));
  const choice = chooseMachine(eligible, warmMachineId) ?? rankMachines(eligible, warmMachineId)[0];
  if (!choice) {
    const why =
      rows.length === 0
        ? 'the organization has no machines'
        : `no connected machine has ${describeNeed(need)}${agent.machineLabels.length ? ` and labels ${agent.machineLabels.join(', ')}` : ''}`;
    return { machine: null, why, waits: null };
  }
  const [machine] = await tx.select().from(machines).where(eq(machines.id, choice.id)).for('update');
  const waits = choice.activeRuns >= choice.slots ? { busy: choice.activeRuns, slots: choice.slots } : null;
  return { machine: machine!, why: null, waits };
}

/**
 * The offer's spec: the stored job plus the agent's secrets and a fresh run token with the project's Project-AI scopes.
 */
export async function materializeChatJob(
  tx: Tx,
  deps: Pick<Deps, 'db' | 'ids' | 'clock' | 'secrets'>,
  run: OfferableRun,
  platformUrl: string,
): Promise<RunSpec> {
  const stored = run.spec as StoredAgentJob;
  const secrets = run.agentId ? await agentSecretEnv({ db: tx, secrets: deps.secrets }, run.agentId) : {};
  await revokeRunTokens(tx, deps, run.id);
  const [project] = await tx.select().from(projects).where(eq(projects.id, run.projectId!));
  // A conversation may stay open for long: its token lives for a day and ends with the run.
  const token = await mintRunToken(tx, deps, {
    runId: run.id,
    scopes: projectAiScopes(project!),
    moveToStatusIds: [],
    expiresAt: new Date(deps.clock.now().getTime() + 24 * 3600_000),
  });
  return agentJobSpecSchema.parse({
    ...stored,
    agent: { ...stored.agent, env: { ...stored.agent.env, ...secrets } },
    platform: { url: platformUrl, token },
  });
}
