/**
 * What is worth a notification, derived from what already happened: committed activity entries (a ticket moved,
 * a comment, a ticket parked, a tool call waiting for approval, a question, Project AI waiting), runs that ended
 * badly, and machines found lost. Each event has a key naming it uniquely, so deriving it twice (on every replica)
 * enqueues it once.
 */
import { eq } from 'drizzle-orm';
import { excerpt, type NotificationEvent, type Priority } from '@openase/shared';
import { projects, runs, statuses, tickets } from '../db/schema.js';
import type { DbOrTx } from '../db/database.js';
import type { ActivityEntry } from '../activity/activity.js';

export interface TicketFacts {
  id: string;
  identifier: string;
  title: string;
  status: string;
  labels: string[];
  priority: Priority;
}

export interface NotifyEvent {
  key: string;
  event: NotificationEvent;
  orgId: string;
  /** null: the whole organization (machine lost): every project's rules for it apply. */
  project: { id: string; slug: string } | null;
  ticket: TicketFacts | null;
  /** One line for people: "DEMO-3 entered In Review". */
  title: string;
  text: string;
  /** Path in the console. */
  link: string | null;
  /** The person whose action caused it: never notified about their own action. */
  causedBy: string | null;
  /** Set when the event concerns exactly these people (their Project AI conversation). */
  recipients?: string[];
  occurredAt: Date;
}

async function ticketFacts(db: DbOrTx, ticketId: string) {
  const [row] = await db
    .select({ ticket: tickets, status: statuses.name, slug: projects.slug })
    .from(tickets)
    .innerJoin(statuses, eq(statuses.id, tickets.statusId))
    .innerJoin(projects, eq(projects.id, tickets.projectId))
    .where(eq(tickets.id, ticketId));
  if (!row) return null;
  const t = row.ticket;
  return {
    project: { id: t.projectId, slug: row.slug },
    ticket: {
      id: t.id,
      identifier: t.identifier,
      title: t.title,
      status: row.status,
      labels: t.labels,
      priority: t.priority,
    } satisfies TicketFacts,
  };
}

/** How much of a comment its notification quotes, on one line. */
const COMMENT_EXCERPT = 120;

const ticketLink = (slug: string, identifier: string) => `/p/${slug}/board/${identifier}`;

/** The notification events an activity entry stands for (most entries: none). */
export async function eventsFromActivity(db: DbOrTx, entry: ActivityEntry): Promise<NotifyEvent[]> {
  const causedBy = entry.actorType === 'user' ? entry.actorId : null;
  const base = { orgId: entry.orgId, causedBy, occurredAt: entry.createdAt };
  if (entry.action === 'chat.waiting' && entry.projectId) {
    const after = (entry.after ?? {}) as { createdById?: string; conversationId?: string };
    const [project] = await db.select({ slug: projects.slug }).from(projects).where(eq(projects.id, entry.projectId));
    return [
      {
        ...base,
        causedBy: null,
        key: `activity:${entry.id}`,
        event: 'project_ai.waiting',
        project: { id: entry.projectId, slug: project?.slug ?? '?' },
        ticket: null,
        title: 'Project AI is waiting for you',
        text: entry.summary,
        link: project ? `/p/${project.slug}/board?chat=${after.conversationId ?? ''}` : null,
        ...(after.createdById ? { recipients: [after.createdById] } : {}),
      },
    ];
  }
  const kinds: Record<string, NotificationEvent | undefined> = {
    'ticket.moved': 'ticket.entered_status',
    'comment.added': 'ticket.commented',
    'ticket.parked': 'ticket.parked',
    'run.approval_requested': 'ticket.needs_approval',
    'ticket.question': 'ticket.waiting_for_input',
    // A review's summary and line comments are ticket comments (docs/review.md): they reach people as one.
    'ticket.changes_requested': 'ticket.commented',
    'ticket.approved': 'ticket.commented',
  };
  const event = kinds[entry.action];
  if (!event || !entry.ticketId) return [];
  const facts = await ticketFacts(db, entry.ticketId);
  if (!facts) return [];
  const { ticket, project } = facts;
  const link = ticketLink(project.slug, ticket.identifier);
  const one = (e: NotificationEvent, title: string, suffix = ''): NotifyEvent => ({
    ...base,
    key: `activity:${entry.id}${suffix}`,
    event: e,
    project,
    ticket,
    title,
    text: `${ticket.title}\n${entry.summary}`,
    link,
  });
  if (event === 'ticket.entered_status') {
    const status = (entry.after as { status?: string } | null)?.status ?? ticket.status;
    return [one(event, `${ticket.identifier} entered ${status}`)].map((e) => ({
      ...e,
      ticket: { ...ticket, status },
    }));
  }
  if (event === 'ticket.commented') {
    const after = entry.after as { body?: string | null; comments?: number } | null;
    const reviewed = entry.action !== 'comment.added';
    if (reviewed && !after?.comments) return []; // a verdict without words: its move (if any) says it
    // The comment's first words, kept with the event (the inbox entry, a webhook's text): no reader looks it up again.
    const commented = one(
      event,
      reviewed
        ? `${entry.actorName} ${entry.action === 'ticket.approved' ? 'approved' : 'requested changes on'} ${ticket.identifier}`
        : `${entry.actorName} commented on ${ticket.identifier}`,
    );
    const body = after?.body;
    return [body ? { ...commented, text: `${commented.text}\n“${excerpt(body, COMMENT_EXCERPT)}”` } : commented];
  }
  if (event === 'ticket.needs_approval') return [one(event, `${ticket.identifier} needs approval`)];
  if (event === 'ticket.waiting_for_input') return [one(event, `${ticket.identifier} is waiting for input`)];
  const out = [one(event, `${ticket.identifier} was parked`)];
  if (/budget/i.test(entry.summary))
    out.push(one('ticket.budget_reached', `${ticket.identifier} reached its budget`, ':budget'));
  return out;
}

const FAILED = new Set(['failed', 'timed_out', 'stalled', 'lost']);

/** A run that ended badly (agent runs of tickets; hand-started command runs too, without a ticket). */
export async function eventFromRun(db: DbOrTx, runId: string, state: string): Promise<NotifyEvent | null> {
  if (!FAILED.has(state)) return null;
  const [run] = await db.select().from(runs).where(eq(runs.id, runId));
  if (!run || !run.projectId || run.conversationId) return null;
  const facts = run.ticketId ? await ticketFacts(db, run.ticketId) : null;
  const [project] = facts
    ? [facts.project]
    : await db.select({ id: projects.id, slug: projects.slug }).from(projects).where(eq(projects.id, run.projectId));
  if (!project) return null;
  const what = facts ? `${facts.ticket.identifier}'s run` : `run ${run.id.slice(0, 8)}`;
  return {
    key: `run:${run.id}:${state}`,
    event: 'run.failed',
    orgId: run.orgId,
    project,
    ticket: facts?.ticket ?? null,
    title: `${what} ${state === 'failed' ? 'failed' : `ended as ${state.replace('_', ' ')}`}`,
    text: run.stateReason ?? `the run ended as ${state}`,
    link: facts ? ticketLink(project.slug, facts.ticket.identifier) : null,
    causedBy: null,
    occurredAt: run.finishedAt ?? new Date(),
  };
}

export function eventFromLostMachine(m: {
  id: string;
  name: string;
  orgId: string;
  disconnectedAt: Date;
}): NotifyEvent {
  return {
    key: `machine:${m.id}:lost:${m.disconnectedAt.toISOString()}`,
    event: 'machine.lost',
    orgId: m.orgId,
    project: null,
    ticket: null,
    title: `machine ${m.name} was lost`,
    text: `machine ${m.name} has been silent since ${m.disconnectedAt.toISOString()}; its runs were ended`,
    link: null,
    causedBy: null,
    occurredAt: new Date(),
  };
}
