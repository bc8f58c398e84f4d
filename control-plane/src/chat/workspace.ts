/**
 * A Project AI conversation's workspace, visible (docs/project-ai.md): its files and diff against the
 * base branch, read from the machine holding its worktree with the same `git.request diff` a ticket's
 * Changes use (review/diff.ts: the worktree is named `chat-<8 hex>`), and the commands it ran (its runs'
 * `command` events). "Create ticket from this" makes the conversation's work a ticket of the board;
 * "Open a PR from this branch" opens a pull request of the conversation's branch (pushed after each turn) on that
 * ticket, so the sync, review and merge of the normal flow take over.
 */
import { and, asc, desc, eq } from 'drizzle-orm';
import { chatCreateTicketInput, conflict, ticketCreateInput } from '@openase/shared';
import { chatConversations, chatMessages, projects, runEvents, runs, tickets } from '../db/schema.js';
import type { DbOrTx } from '../db/database.js';
import type { Actor, Command, Deps } from '../kernel/context.js';
import { memberInput, type ProjectNeed } from '../auth/project-write.js';
import { branchDiff, type BranchDiff, type FleetGit } from '../review/diff.js';
import { insertTicket, type Ticket } from '../tickets/tickets.js';
import { listRepositories } from '../projects/repositories.js';
import { githubAccess, githubRepoOf } from '../integrations/github/client.js';
import { ticketPullRequests } from '../integrations/github/pull-requests.js';
import { openTicketPullRequests } from '../orchestrator/pull-requests.js';
import type { StoredAgentJob } from '../orchestrator/job-spec.js';
import { recordChat } from './conversations.js';
import { inConversationAs, onConversation, resolveConversation } from './conversation-access.js';
import type { Conversation } from './chat-job.js';

/** Commands listed at most (the most recent). */
export const WORKSPACE_MAX_COMMANDS = 500;

export interface WorkspaceCommand {
  runId: string;
  command: string;
  status: 'started' | 'completed' | 'failed' | 'declined';
  exitCode: number | null;
  at: Date;
}

/** The commands the conversation's runs ran, oldest first: one row per command, in its latest state. */
export async function conversationCommands(db: DbOrTx, conversationId: string): Promise<WorkspaceCommand[]> {
  const rows = await db
    .select({ runId: runEvents.runId, seq: runEvents.seq, ts: runEvents.ts, payload: runEvents.payload })
    .from(runEvents)
    .innerJoin(runs, eq(runs.id, runEvents.runId))
    .where(and(eq(runs.conversationId, conversationId), eq(runEvents.type, 'command')))
    .orderBy(asc(runs.createdAt), asc(runEvents.seq));
  const byKey = new Map<string, WorkspaceCommand>();
  for (const r of rows) {
    const e = r.payload as {
      id?: string;
      command: string;
      status: WorkspaceCommand['status'];
      exitCode: number | null;
    };
    // A command's later events (completed, failed) update its row; one without an id is its own row.
    const key = `${r.runId}:${e.id ?? `#${r.seq}`}`;
    const seen = byKey.get(key);
    byKey.set(key, {
      runId: r.runId,
      command: e.command,
      status: e.status,
      exitCode: e.exitCode,
      at: seen?.at ?? r.ts,
    });
  }
  return [...byKey.values()].slice(-WORKSPACE_MAX_COMMANDS);
}

/** The repositories of the conversation's latest run (else the project's now); the machines holding its worktree. */
async function conversationGitContext(db: DbOrTx, c: Conversation) {
  const rows = await db
    .select({ spec: runs.spec, machineId: runs.machineId, removed: runs.workspaceRemovedAt })
    .from(runs)
    .where(eq(runs.conversationId, c.id))
    .orderBy(desc(runs.createdAt))
    .limit(20);
  const job = rows[0]?.spec as StoredAgentJob | undefined;
  const repos = job
    ? job.repos
    : (await listRepositories(db, c.projectId)).map((r) => ({
        name: r.name,
        url: r.url,
        defaultBranch: r.defaultBranch,
      }));
  const machines = rows.filter((r) => !r.removed && r.machineId).map((r) => r.machineId!);
  return { repos, worktreeMachines: [...new Set(machines)] };
}

export interface ConversationWorkspace {
  conversation: string;
  branch: string;
  /** The diff against the base branch (null with `diffError`: no machine, no repository, not started yet). */
  diff: BranchDiff | null;
  diffError: string | null;
  commands: WorkspaceCommand[];
  ticket: { identifier: string; title: string } | null;
  pullRequests: Array<{ repository: string; number: number; url: string; state: string }>;
}

export async function conversationWorkspace(
  deps: Pick<Deps, 'db'>,
  fleet: FleetGit | undefined,
  actor: Actor,
  ref: string,
): Promise<ConversationWorkspace> {
  const c = await resolveConversation(deps.db, actor.orgId, ref);
  const context = await conversationGitContext(deps.db, c);
  let diff: BranchDiff | null = null;
  let diffError: string | null = null;
  if (!fleet) diffError = 'this control plane runs no fleet; diffs are read by machines';
  else if (!context.repos.length) diffError = 'the project has no repository, so the conversation has no files';
  else
    try {
      const short = c.branch.slice('openase/'.length);
      diff = await branchDiff(deps.db, fleet, { identifier: short, branch: c.branch, ...context });
    } catch (err) {
      diffError = err instanceof Error ? err.message : String(err);
    }
  const ticket = c.ticketId ? await ticketOf(deps.db, c.ticketId) : null;
  return {
    conversation: c.id,
    branch: c.branch,
    diff,
    diffError,
    commands: await conversationCommands(deps.db, c.id),
    ticket: ticket ? { identifier: ticket.identifier, title: ticket.title } : null,
    pullRequests: ticket
      ? (await ticketPullRequests(deps.db, ticket.id)).map((p) => ({
          repository: p.repository,
          number: p.number,
          url: p.url,
          state: p.state,
        }))
      : [],
  };
}

async function ticketOf(db: DbOrTx, id: string): Promise<Ticket | null> {
  const [t] = await db.select().from(tickets).where(eq(tickets.id, id));
  return t ?? null;
}

/** The ticket's description: where the work is and what the person asked. */
async function ticketDescription(db: DbOrTx, c: Conversation): Promise<string> {
  const asked = await db
    .select({ text: chatMessages.text, author: chatMessages.authorName })
    .from(chatMessages)
    .where(eq(chatMessages.conversationId, c.id))
    .orderBy(asc(chatMessages.seq))
    .limit(20);
  const quoted = asked.map((m) => `> **${m.author}:** ${m.text.trim().slice(0, 2000).replace(/\n/g, '\n> ')}`);
  return [
    `From the Project AI conversation ${c.id.slice(0, 8)} started by ${c.createdByName}.`,
    `Its work is on the branch \`${c.branch}\` (pushed after each of its turns).`,
    '',
    'What was asked:',
    '',
    quoted.join('\n>\n'),
  ]
    .join('\n')
    .slice(0, 20_000);
}

/** "Create ticket from this": a ticket carrying the conversation's work; a second call returns the same ticket. */
export interface TicketFromConversation {
  ticket: Ticket;
  created: boolean;
}

const MAKE_TICKET: ProjectNeed = { min: 'member', what: 'create tickets from Project AI' };
const OPEN_PR: ProjectNeed = { min: 'member', what: 'open pull requests from Project AI' };

export const createTicketFromConversation: Command<typeof chatCreateTicketInput, TicketFromConversation> = async (
  deps,
  actor,
  raw,
) => {
  const input = await memberInput(deps, actor, MAKE_TICKET.what, chatCreateTicketInput, raw);
  return onConversation(deps, actor, MAKE_TICKET, input.conversation, async (tx, changes, c) => {
    const existing = c.ticketId ? await ticketOf(tx, c.ticketId) : null;
    if (existing) return { ticket: existing, created: false };
    const [project] = await tx.select({ slug: projects.slug }).from(projects).where(eq(projects.id, c.projectId));
    const ticket = await insertTicket(
      tx,
      deps,
      changes,
      actor,
      c.projectId,
      ticketCreateInput.parse({
        project: project!.slug,
        title: input.title ?? c.title.split('\n')[0]!.slice(0, 200),
        description: await ticketDescription(tx, c),
      }),
    );
    await tx
      .update(chatConversations)
      .set({ ticketId: ticket.id, updatedAt: deps.clock.now() })
      .where(eq(chatConversations.id, c.id));
    await recordChat(tx, deps, changes, actor, c, {
      action: 'chat.ticket_created',
      summary: `created ${ticket.identifier} from Project AI conversation ${c.id.slice(0, 8)}`,
      extra: { ticket: ticket.identifier },
    });
    return { ticket, created: true };
  });
};

/**
 * "Open a PR from this branch": the conversation's branch as a pull request on GitHub, hanging on the ticket made
 * from the conversation (made now when there is none). The daemon pushes the branch after every turn (and at the
 * close), so the PR follows the conversation's later turns; before its first turn ended GitHub refuses it (the
 * outcome says so).
 */
export async function openPullRequestFromConversation(deps: Deps, actor: Actor, ref: string, publicUrl: string) {
  const c = await inConversationAs(deps, actor, OPEN_PR, ref, async (_tx, _changes, c) => c);
  const access = await githubAccess(deps, c.projectId, c.agentId);
  if (!access)
    throw conflict('the project has no GitHub token; connect it with `openase project github` to open pull requests');
  const { repos } = await conversationGitContext(deps.db, c);
  const github = repos.filter((r) => githubRepoOf(r.url, access.config.host));
  if (!github.length) throw conflict('none of the project’s repositories is on GitHub');
  const { ticket } = await createTicketFromConversation(deps, actor, { conversation: c.id });
  const [project] = await deps.db.select({ slug: projects.slug }).from(projects).where(eq(projects.id, c.projectId));
  const pullRequests = await openTicketPullRequests(deps, access, {
    actor,
    ticket,
    slug: project!.slug,
    branch: c.branch,
    repos: github,
    publicUrl,
  });
  return { ticket: { identifier: ticket.identifier, title: ticket.title }, pullRequests };
}
