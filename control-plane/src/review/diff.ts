/**
 * The diff a reviewer reads: the ticket branch against where it left the default branch, asked
 * of the daemon that holds the ticket's worktree (uncommitted edits of a live run included), or
 * computed from the remote by another connected machine when none does; `run` narrows it to what
 * one run changed (its base and head, recorded from `run.turn`). The text arrives from the daemon
 * in chunks and stops at the byte cap (`tooLarge`, every file still counted).
 */
import { and, desc, eq, isNull } from 'drizzle-orm';
import {
  DIFF_MAX_BYTES,
  OpenaseError,
  badRequest,
  notFound,
  ticketBranchName,
  ticketDiffInput,
  type GitDiffOp,
  type RepoDiff,
} from '@openase/shared';
import type { z } from 'zod';
import { machines, repositories, runs } from '../db/schema.js';
import type { DbOrTx } from '../db/database.js';
import type { Actor, Deps } from '../kernel/context.js';
import type { GitRequests } from '../fleet/git-requests.js';
import { resolveTicket, type Ticket } from '../tickets/tickets.js';
import type { StoredAgentJob } from '../orchestrator/job-spec.js';

/** What the control plane needs of the fleet here: which machines it can ask, and asking them. */
export interface FleetGit {
  git: Pick<GitRequests, 'request'>;
  isConnected(machineId: string): boolean;
  connectedMachineIds(): string[];
}

export interface RunCommit {
  repo: string;
  branch: string;
  head: string;
  base?: string;
  pushed: boolean;
}

export interface TicketDiff {
  identifier: string;
  branch: string;
  /** The run whose changes these are, when asked for one. */
  run: string | null;
  machine: string;
  repos: Array<RepoDiff & { patch: string }>;
  files: number;
  additions: number;
  deletions: number;
  tooLarge: boolean;
  maxBytes: number;
}

/** The ticket's branch and repositories as its latest agent run had them (else as a run would now). */
export async function ticketGitContext(db: DbOrTx, ticket: Ticket) {
  const [latest] = await db
    .select({ spec: runs.spec, machineId: runs.machineId, removed: runs.workspaceRemovedAt })
    .from(runs)
    .where(and(eq(runs.ticketId, ticket.id), eq(runs.kind, 'agent')))
    .orderBy(desc(runs.createdAt))
    .limit(1);
  const job = latest?.spec as StoredAgentJob | undefined;
  const repos = job
    ? job.repos
    : (await db.select().from(repositories).where(eq(repositories.projectId, ticket.projectId))).map((r) => ({
        name: r.name,
        url: r.url,
        defaultBranch: r.defaultBranch,
      }));
  return {
    branch: job?.ticket.branch ?? ticketBranchName(ticket.identifier, ticket.title),
    repos,
    /** Machines that hold (or held) the ticket's worktree, newest first. */
    worktreeMachines: await worktreeMachines(db, ticket.id),
  };
}

async function worktreeMachines(db: DbOrTx, ticketId: string): Promise<string[]> {
  const rows = await db
    .select({ machineId: runs.machineId })
    .from(runs)
    .where(and(eq(runs.ticketId, ticketId), eq(runs.kind, 'agent'), isNull(runs.workspaceRemovedAt)))
    .orderBy(desc(runs.createdAt))
    .limit(20);
  return [...new Set(rows.map((r) => r.machineId).filter((m): m is string => !!m))];
}

/** The machine to ask: one holding the worktree, else any this control plane is connected to (`local` first). */
export async function chooseGitMachine(
  db: DbOrTx,
  fleet: FleetGit,
  preferred: string[],
): Promise<{ id: string; name: string; holdsWorktree: boolean }> {
  const held = preferred.find((id) => fleet.isConnected(id));
  const candidates = held ? [held] : fleet.connectedMachineIds();
  if (!candidates.length)
    throw new OpenaseError(
      'CONFLICT',
      'no machine is connected to this control plane to read the repository; start one (machine local, or `openase-agent join`)',
    );
  const rows = await db.select({ id: machines.id, name: machines.name }).from(machines);
  const named = candidates.map((id) => ({ id, name: rows.find((r) => r.id === id)?.name ?? id }));
  const pick = held ? named[0]! : (named.find((m) => m.name === 'local') ?? named[0]!);
  return { ...pick, holdsWorktree: !!held };
}

export async function ticketDiff(
  deps: Pick<Deps, 'db'>,
  fleet: FleetGit | undefined,
  actor: Actor,
  raw: z.input<typeof ticketDiffInput>,
  opts: { maxBytes?: number } = {},
): Promise<TicketDiff> {
  const input = ticketDiffInput.parse(raw);
  if (!fleet) throw new OpenaseError('CONFLICT', 'this control plane runs no fleet; diffs are read by machines');
  const ticket = await resolveTicket(deps.db, actor.orgId, input.ticket);
  const context = await ticketGitContext(deps.db, ticket);
  if (!context.repos.length)
    throw new OpenaseError(
      'BAD_REQUEST',
      `${ticket.identifier}'s project has no repository; add one with \`openase repo add URL\``,
      { noRepository: true },
    );
  let ranges: GitDiffOp['ranges'] = [];
  let runId: string | null = null;
  if (input.run) {
    const run = await findTicketRun(deps.db, ticket, input.run);
    runId = run.id;
    const commits = (run.commits ?? []) as RunCommit[];
    ranges = commits.flatMap((c) => (c.base && c.pushed ? [{ repo: c.repo, from: c.base, to: c.head }] : []));
    if (!ranges.length)
      throw new OpenaseError(
        'NOT_FOUND',
        `run ${run.id.slice(0, 8)} of ${ticket.identifier} pushed no commit (it changed nothing, or ended before its first turn)`,
      );
  }
  const diff = await branchDiff(deps.db, fleet, {
    identifier: ticket.identifier,
    branch: context.branch,
    repos: input.run ? context.repos.filter((r) => ranges.some((x) => x.repo === r.name)) : context.repos,
    worktreeMachines: input.run ? [] : context.worktreeMachines,
    ranges,
    statOnly: input.stat,
    maxBytes: opts.maxBytes,
  });
  return { identifier: ticket.identifier, branch: context.branch, run: runId, ...diff };
}

export type BranchDiff = Omit<TicketDiff, 'identifier' | 'branch' | 'run'>;

/**
 * A branch's diff against where it left the default branch (or explicit ranges), asked of a machine holding the
 * worktree named `identifier` (a ticket's, or a Project AI conversation's `chat-<8 hex>`), else of any connected one.
 */
export async function branchDiff(
  db: DbOrTx,
  fleet: FleetGit,
  req: {
    identifier: string;
    branch: string;
    repos: GitDiffOp['repos'];
    worktreeMachines: string[];
    ranges?: GitDiffOp['ranges'];
    statOnly?: boolean;
    maxBytes?: number;
  },
): Promise<BranchDiff> {
  const machine = await chooseGitMachine(db, fleet, req.worktreeMachines);
  const maxBytes = req.maxBytes ?? DIFF_MAX_BYTES;
  const patches = new Map<string, string[]>();
  const reply = await fleet.git.request(
    machine.id,
    {
      kind: 'diff',
      ticket: { identifier: req.identifier, branch: req.branch },
      repos: req.repos,
      ranges: req.ranges ?? [],
      statOnly: req.statOnly ?? false,
      maxBytes,
    },
    {
      timeoutMs: 60_000,
      onChunk: (repo, data) => {
        const parts = patches.get(repo) ?? [];
        parts.push(data);
        patches.set(repo, parts);
      },
    },
  );
  if (!reply.ok || !reply.diff)
    throw new OpenaseError(
      'INTERNAL',
      `machine ${machine.name} could not compute the diff: ${reply.error ?? 'no answer'}`,
    );
  const repos = reply.diff.map((d) => ({ ...d, patch: (patches.get(d.repo) ?? []).join('') }));
  return {
    machine: machine.name,
    repos,
    files: repos.reduce((n, r) => n + r.files.length + r.moreFiles, 0),
    additions: repos.reduce((n, r) => n + r.additions, 0),
    deletions: repos.reduce((n, r) => n + r.deletions, 0),
    tooLarge: repos.some((r) => r.tooLarge),
    maxBytes,
  };
}

async function findTicketRun(db: DbOrTx, ticket: Ticket, ref: string) {
  const rows = await db
    .select({ id: runs.id, commits: runs.commits })
    .from(runs)
    .where(and(eq(runs.ticketId, ticket.id), eq(runs.kind, 'agent')))
    .orderBy(desc(runs.createdAt));
  const matches = rows.filter((r) => r.id.startsWith(ref.toLowerCase()));
  if (matches.length === 0)
    throw notFound(`${ticket.identifier} has no run ${ref}; \`openase ticket show\` lists them`);
  if (matches.length > 1) throw badRequest(`run ${ref} is ambiguous for ${ticket.identifier}; give more characters`);
  return matches[0]!;
}
