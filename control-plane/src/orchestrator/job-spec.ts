/**
 * The agent job a run executes (`kind: 'agent'` in shared/src/protocol/agent-run.ts), built when
 * a ticket is claimed and pinned on the run row: the rendered harness, the agent's CLI settings,
 * the ticket's branch and repositories, hooks, path rules, skills. Two things are never stored:
 * the agent's secret env values and the run's `openase` token. `materializeJob` adds them when
 * the run is offered (a new token per offer, the previous one revoked).
 */
import { answerPrompt, WHEN_DONE } from '../tickets/questions.js';
import { and, desc, eq, inArray, isNotNull, or } from 'drizzle-orm';
import {
  agentJobSpecSchema,
  DEFAULT_RUN_SCOPES,
  parseRunScope,
  ticketBranchName,
  type AgentJobSpec,
  type AgentRunSpec,
  type McpServerSpec,
  type RunSpec,
} from '@openase/shared';
import { runs, skills, skillVersions, statuses, workflowVersions } from '../db/schema.js';
import type { DbOrTx, Tx } from '../db/database.js';
import type { Deps } from '../kernel/context.js';
import type { KnownOfferRows, OfferableRun } from '../runs/lifecycle.js';
import { agentSecretEnv, type Agent } from '../agents/agents.js';
import { PLATFORM_SKILL } from '../skills/builtin/index.js';
import { mintRunToken, revokeRunTokens } from '../auth/run-tokens.js';
import { harnessVariables, projectRows, renderVersion, type KnownProjectRows } from '../workflows/render.js';
import type { Project } from '../projects/projects.js';
import type { Workflow, WorkflowVersion } from '../workflows/versions.js';
import type { Harness } from '../workflows/harness/schema.js';
import type { SkillBinding } from '../workflows/validate-project.js';
import { reviewFeedback } from '../review/feedback.js';

type Ticket = import('../tickets/tickets.js').Ticket;
type Machine = { name: string; os: string | null; arch: string | null; labels: string[]; workdir: string | null };

/** What the job spec looks like in the run row: everything but the platform connection. */
export type StoredAgentJob = Omit<AgentJobSpec, 'platform'>;

export interface JobInput {
  project: Project;
  /** The project's statuses and repositories, as the claim already read them. */
  known?: KnownProjectRows;
  ticket: Ticket;
  workflow: Workflow;
  version: WorkflowVersion;
  agent: Agent;
  machine: Machine;
  attempt: number;
}

/**
 * First-turn message: the ticket itself (the rules are in the system prompt, sent once), and after
 * a review round the review's comments (review/feedback.ts).
 */
export function firstTurnPrompt(
  ticket: Pick<Ticket, 'identifier' | 'title' | 'description'>,
  attempt: number,
  feedback: string | null = null,
): string {
  const lines = [`Work on ticket ${ticket.identifier}: ${ticket.title}`];
  if (ticket.description.trim()) lines.push('', ticket.description.trim());
  if (feedback) lines.push('', feedback);
  if (attempt > 1)
    lines.push(
      '',
      `This is attempt ${attempt}: earlier attempts did not finish. Check the branch and the ticket's comments for what was already done.`,
    );
  lines.push('', WHEN_DONE);
  return lines.join('\n');
}

/** How the agent's CLI is run and priced: the same for a ticket's run and a conversation's. */
export function agentCli(agent: Agent) {
  return {
    adapter: agent.adapter,
    command: agent.command,
    args: agent.args,
    ...(agent.model ? { model: agent.model } : {}),
    env: { ...agent.env },
    provider: {},
    pricing: { input: agent.priceInput, output: agent.priceOutput, cached: agent.priceCached },
  };
}

export const jobRepos = (repos: Array<{ name: string; url: string; defaultBranch: string }>) =>
  repos.map((r) => ({ name: r.name, url: r.url, defaultBranch: r.defaultBranch }));

export async function buildAgentJob(db: DbOrTx, input: JobInput): Promise<StoredAgentJob> {
  const { project, ticket, workflow, version, agent, machine, attempt } = input;
  const harness = version.harness as Harness;
  const known = input.known ?? (await projectRows(db, project.id));
  // The job's reads, issued together: one round trip on PostgreSQL (this runs inside the claim transaction).
  const [variables, [previous], skillsOfRun] = await Promise.all([
    harnessVariables(
      db,
      project,
      ticket,
      workflow,
      version,
      {
        name: machine.name,
        os: machine.os ?? '',
        arch: machine.arch ?? '',
        labels: machine.labels,
        workdir: machine.workdir ?? '',
      },
      attempt,
      known,
    ),
    // Resume the CLI session of the latest run of this ticket by the same agent, if it had one.
    db
      .select({ sessionId: runs.sessionId })
      .from(runs)
      .where(and(eq(runs.ticketId, ticket.id), eq(runs.agentId, agent.id), isNotNull(runs.sessionId)))
      .orderBy(desc(runs.createdAt))
      .limit(1),
    skillFiles(db, ticket.projectId, version.skills as SkillBinding[]),
  ]);
  const systemPrompt = renderVersion(version, variables);
  const spec: StoredAgentJob = {
    kind: 'agent',
    ticket: {
      id: ticket.id,
      identifier: ticket.identifier,
      title: ticket.title,
      branch: ticketBranchName(ticket.identifier, ticket.title),
    },
    project: { slug: project.slug },
    repos: jobRepos([...known.repositories]),
    attempt,
    maxAttempts: harness.max_attempts,
    agent: {
      ...agentCli(agent),
      systemPrompt,
      // After a person answered the agent's question, the resumed session is told the answer.
      prompt:
        ticket.question && ticket.answer
          ? answerPrompt({ ...ticket, question: ticket.question, answer: ticket.answer })
          : firstTurnPrompt(ticket, attempt, await reviewFeedback(db, ticket, variables.workflow.finish.join(' or '))),
      maxTurns: harness.max_turns,
      permissionMode: harness.permission_mode ?? 'default',
      tools: {
        allow: harness.tools?.allow ?? [],
        deny: harness.tools?.deny ?? [],
        ...(harness.tools?.ask?.length ? { ask: harness.tools.ask } : {}),
      },
      ...(previous?.sessionId ? { resumeSessionId: previous.sessionId } : {}),
      // The agent's, then the workflow's (same name: the workflow's replaces it). With `${NAME}` placeholders:
      // materializeJob fills them in at the offer.
      mcpServers: {
        ...agent.mcpServers,
        ...Object.fromEntries(
          Object.entries(harness.mcp_servers ?? {}).map(([name, server]) => [
            name,
            'url' in server
              ? { url: server.url, headers: server.headers ?? {} }
              : { command: server.command, args: server.args ?? [], env: server.env ?? {} },
          ]),
        ),
      },
      skills: skillsOfRun,
    },
    hooks: harness.hooks ?? {},
    paths: {
      ...(harness.paths?.allow ? { allow: harness.paths.allow } : {}),
      ...(harness.paths?.deny ? { deny: harness.paths.deny } : {}),
    },
    timeoutMs: harness.timeout_minutes * 60_000,
    // The platform's merge conflicted: the daemon merges the default branch in, markers left for the agent.
    ...(ticket.reviewState === 'merge_conflict' ? { mergeDefaultBranch: true } : {}),
  };
  // Validate now, with a placeholder connection, so a bad definition fails the claim and not the daemon.
  agentJobSpecSchema.parse({ ...spec, platform: { url: 'http://placeholder.invalid', token: 'x' } });
  return spec;
}

/** The files of the run's skills: the version's bindings plus the auto-bound platform skill, enabled ones only. */
export async function skillFiles(
  db: DbOrTx,
  projectId: string,
  bindings: SkillBinding[],
): Promise<AgentRunSpec['skills']> {
  const boundIds = bindings.map((b) => b.skillId);
  const pinnedIds = bindings.flatMap((b) => (b.versionId ? [b.versionId] : []));
  // One statement (this runs inside the claim transaction, once per ticket): the enabled skills bound or auto-bound,
  // each joined with its current version and any version a binding pins.
  const rows = await db
    .select({
      id: skills.id,
      name: skills.name,
      currentVersionId: skills.currentVersionId,
      versionId: skillVersions.id,
      files: skillVersions.files,
    })
    .from(skills)
    .leftJoin(
      skillVersions,
      and(
        eq(skillVersions.skillId, skills.id),
        or(
          eq(skillVersions.id, skills.currentVersionId),
          pinnedIds.length ? inArray(skillVersions.id, pinnedIds) : undefined,
        ),
      ),
    )
    .where(
      and(
        eq(skills.projectId, projectId),
        eq(skills.enabled, true),
        or(eq(skills.name, PLATFORM_SKILL), boundIds.length ? inArray(skills.id, boundIds) : undefined),
      ),
    );
  const wanted = [...bindings];
  const platform = rows.find((r) => r.name === PLATFORM_SKILL);
  if (platform && !wanted.some((b) => b.skillId === platform.id))
    wanted.unshift({ skillId: platform.id, versionId: null } as SkillBinding);
  const out: AgentRunSpec['skills'] = {};
  for (const binding of wanted) {
    const skill = rows.find((r) => r.id === binding.skillId);
    const versionId = skill ? (binding.versionId ?? skill.currentVersionId) : null;
    if (!skill || !versionId) continue;
    // As stored: bytes and the executable bit reach the CLI's skills folder unchanged.
    const files = (rows.find((r) => r.id === skill.id && r.versionId === versionId)?.files ?? []) as Array<{
      path: string;
      contentBase64: string;
      executable?: boolean;
    }>;
    out[skill.name] = files.map((f) => ({
      path: f.path,
      contentBase64: f.contentBase64,
      executable: f.executable ?? false,
    }));
  }
  return out;
}

/** The run token's powers: the harness' scopes, and the statuses it may move its ticket to. */
export async function runGrantFor(
  db: DbOrTx,
  projectId: string,
  version: WorkflowVersion,
): Promise<{ scopes: string[]; moveToStatusIds: string[] }> {
  const statusRows = await db
    .select({ id: statuses.id, name: statuses.name })
    .from(statuses)
    .where(eq(statuses.projectId, projectId));
  return grantOf(version, statusRows);
}

function grantOf(
  version: WorkflowVersion,
  statusRows: ReadonlyArray<{ id: string; name: string }>,
): { scopes: string[]; moveToStatusIds: string[] } {
  const harness = version.harness as Harness;
  const entries = harness.scopes ?? [...DEFAULT_RUN_SCOPES];
  const scopes: string[] = [];
  const moveTo = new Set(version.finishStatusIds);
  for (const entry of entries) {
    const parsed = parseRunScope(entry);
    if (!parsed) continue;
    if ('scope' in parsed) scopes.push(parsed.scope);
    else {
      const status = statusRows.find((s) => s.name.toLowerCase() === parsed.moveTo.toLowerCase());
      if (status) moveTo.add(status.id);
    }
  }
  return { scopes, moveToStatusIds: [...moveTo] };
}

/** Fills `${NAME}` in MCP servers' env values and headers from the agent's env and secrets (unknown names stay). */
export function fillMcpPlaceholders(
  servers: Record<string, McpServerSpec>,
  values: Record<string, string>,
): Record<string, McpServerSpec> {
  const fill = (record: Record<string, string>) =>
    Object.fromEntries(
      Object.entries(record).map(([k, v]) => [
        k,
        v.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (m, n: string) => values[n] ?? m),
      ]),
    );
  return Object.fromEntries(
    Object.entries(servers).map(([name, server]) => [
      name,
      'url' in server ? { ...server, headers: fill(server.headers) } : { ...server, env: fill(server.env) },
    ]),
  );
}

/**
 * The spec sent in an offer: the stored job plus the agent's secrets (as env vars only) and a
 * fresh run token valid until the run's deadline. Earlier tokens of the run are revoked.
 */
export async function materializeJob(
  tx: Tx,
  deps: Pick<Deps, 'db' | 'ids' | 'clock' | 'secrets'>,
  run: OfferableRun,
  platformUrl: string,
  /** Rows the caller has read: the run's workflow version (else read here) and the statuses the grant names. */
  known?: KnownOfferRows,
): Promise<RunSpec> {
  const stored = run.spec as StoredAgentJob;
  if (known?.version.id !== run.workflowVersionId) {
    const [version] = await tx.select().from(workflowVersions).where(eq(workflowVersions.id, run.workflowVersionId!));
    known = { version: version! };
  }
  const deadline = new Date(deps.clock.now().getTime() + (stored.timeoutMs ?? 3600_000) + 10 * 60_000);
  const grant = known.statuses ? grantOf(known.version, known.statuses) : null;
  // Issued together (one round trip on PostgreSQL; two when the grant needs the statuses read first). Tokens
  // are minted only at offers: before the first (lease epoch 0) there is none to revoke.
  const [secrets, , token] = await Promise.all([
    run.agentId ? agentSecretEnv({ db: tx, secrets: deps.secrets }, run.agentId) : Promise.resolve({}),
    // Issued before the mint (statements run in the order issued), so the new token is not revoked with the old.
    run.leaseEpoch > 0 ? revokeRunTokens(tx, deps, run.id) : Promise.resolve(),
    Promise.resolve(grant ?? runGrantFor(tx, run.projectId!, known.version)).then((scopes) =>
      mintRunToken(tx, deps, { runId: run.id, ...scopes, expiresAt: deadline }),
    ),
  ]);
  return agentJobSpecSchema.parse({
    ...stored,
    agent: {
      ...stored.agent,
      env: { ...stored.agent.env, ...secrets },
      mcpServers: fillMcpPlaceholders(stored.agent.mcpServers ?? {}, { ...stored.agent.env, ...secrets }),
    },
    platform: { url: platformUrl, token },
  });
}
