/**
 * The vocabulary of the activity log and the typed catalogue of the domain events other components react to.
 *
 * Every committed change records one activity entry (activity/activity.ts) whose `action` is one of
 * ACTIVITY_ACTIONS: a name nothing records cannot be written. DOMAIN_EVENTS picks the actions a component reacts
 * to and gives each a payload schema (like trigger.dev's event map): subscribers name events of the catalogue and
 * receive the parsed payload, so a route that nothing emits, or a field nothing sends, is a compile error — not a
 * regex over action names. The log is the events' outbox (an event exists exactly when its change committed); it
 * carries no commands: frames for machines travel on their own channel (fleet/machine-commands.ts).
 */
import { z } from 'zod';
import type { ActivityEntry } from '../activity/activity.js';
import type { ChangeBus } from './change-bus.js';

const ticketActions = [
  'created',
  'updated',
  'moved',
  'archived',
  'unarchived',
  'linked',
  'unlinked',
  'retry',
  'retry_scheduled',
  'answered',
  'question',
  'parked',
  'progress',
  'finish_requested',
  'gate_failed',
  'pull_request',
  'pull_request_closed',
  'merged',
  'merge_failed',
  'approved',
  'changes_requested',
  'merge_conflict',
  'deleted',
] as const;

/** Every action the log records, by subject. */
export const ACTIVITY_ACTIONS = [
  ...ticketActions.map((a) => `ticket.${a}` as const),
  ...(['created', 'updated', 'deleted', 'github', 'github_issues', 'merge_settings', 'ai_settings'] as const).map(
    (a) => `project.${a}` as const,
  ),
  ...(['created', 'versioned', 'deleted', 'hooks_changed'] as const).map((a) => `workflow.${a}` as const),
  ...(['created', 'updated', 'deleted'] as const).map((a) => `agent.${a}` as const),
  ...(['created', 'versioned', 'enabled', 'disabled', 'hooks_changed'] as const).map((a) => `skill.${a}` as const),
  ...(['created', 'updated', 'moved', 'deleted'] as const).map((a) => `status.${a}` as const),
  ...(
    [
      'dispatched',
      'started',
      'steered',
      'cancel_requested',
      'stop_requested',
      'approval_requested',
      'approved',
      'declined',
      'max_turns',
      'no_progress',
    ] as const
  ).map((a) => `run.${a}` as const),
  ...(['started', 'message', 'interrupted', 'closed', 'cap', 'waiting', 'ticket_created'] as const).map(
    (a) => `chat.${a}` as const,
  ),
  ...(['added', 'edited'] as const).map((a) => `comment.${a}` as const),
  ...(['created', 'updated', 'deleted', 'enabled', 'disabled', 'fired', 'fire_failed', 'fires_skipped'] as const).map(
    (a) => `job.${a}` as const,
  ),
  ...(['added', 'joined', 'revoked', 'deleted', 'host_key_trusted'] as const).map((a) => `machine.${a}` as const),
  ...(['role_changed', 'project_role_changed', 'renamed', 'deactivated', 'reactivated'] as const).map(
    (a) => `member.${a}` as const,
  ),
  ...(['created', 'accepted', 'revoked'] as const).map((a) => `invitation.${a}` as const),
  ...(
    ['channel_created', 'channel_updated', 'channel_deleted', 'rule_created', 'rule_updated', 'rule_deleted'] as const
  ).map((a) => `notification.${a}` as const),
  ...(['oidc_saved', 'oidc_tested', 'oidc_enabled', 'oidc_disabled', 'oidc_break_glass'] as const).map(
    (a) => `settings.${a}` as const,
  ),
  'auth.signed_in',
  'auth.sign_in_refused',
  'auth.signin_link_created',
  'token.created',
  'token.revoked',
  'join_token.created',
  'repository.added',
  'repository.updated',
  'repository.deleted',
  'workspace.remove_requested',
] as const;
export type ActivityAction = (typeof ACTIVITY_ACTIONS)[number];

/** What every event carries: where the change happened. */
const where = { projectId: z.string().nullable(), ticketId: z.string().nullable(), entityId: z.string() };
/** Something in a project changed that can make a ticket dispatchable (or not). */
const projectChange = z.object(where);
/** A run was queued for a machine: the replica holding the machine's socket offers it. */
const runForMachine = z.object({ ...where, machineId: z.string() });

/** Event name (an activity action) → payload schema. Keys outside ACTIVITY_ACTIONS do not compile. */
export const DOMAIN_EVENTS = {
  'ticket.created': projectChange,
  'ticket.updated': projectChange,
  'ticket.moved': projectChange,
  'ticket.archived': projectChange,
  'ticket.unarchived': projectChange,
  'ticket.linked': projectChange,
  'ticket.unlinked': projectChange,
  'ticket.retry': projectChange,
  'ticket.answered': projectChange,
  'ticket.deleted': projectChange,
  'project.updated': projectChange,
  'workflow.created': projectChange,
  'workflow.versioned': projectChange,
  'workflow.deleted': projectChange,
  'workflow.hooks_changed': projectChange,
  'agent.created': projectChange,
  'agent.updated': projectChange,
  'agent.deleted': projectChange,
  'skill.created': projectChange,
  'skill.versioned': projectChange,
  'skill.enabled': projectChange,
  'skill.disabled': projectChange,
  'skill.hooks_changed': projectChange,
  'status.created': projectChange,
  'status.updated': projectChange,
  'status.moved': projectChange,
  'status.deleted': projectChange,
  'run.dispatched': runForMachine,
  'run.started': runForMachine,
} satisfies { [A in ActivityAction]?: z.ZodType };

export type DomainEventName = keyof typeof DOMAIN_EVENTS;
export type DomainEvent<N extends DomainEventName = DomainEventName> = {
  [K in N]: { name: K } & z.infer<(typeof DOMAIN_EVENTS)[K]>;
}[N];
type Where = keyof typeof where;
/** What the emitter of an event must put in the entry's `after` (beyond where it happened). */
export type EventAfter<A extends string> = A extends DomainEventName
  ? Omit<z.infer<(typeof DOMAIN_EVENTS)[A]>, Where> & Record<string, unknown>
  : unknown;

function isEventName(action: string): action is DomainEventName {
  return Object.hasOwn(DOMAIN_EVENTS, action);
}

/** The typed event of a committed entry, or null (not in the catalogue, or a payload that does not parse). */
export function eventOf(entry: ActivityEntry): DomainEvent | null {
  if (!isEventName(entry.action)) return null;
  const after = entry.after && typeof entry.after === 'object' ? entry.after : {};
  const parsed = DOMAIN_EVENTS[entry.action].safeParse({
    ...after,
    projectId: entry.projectId,
    ticketId: entry.ticketId,
    entityId: entry.entityId,
  });
  return parsed.success ? ({ name: entry.action, ...parsed.data } as DomainEvent) : null;
}

/** Calls `handler` with each committed event named in `names` (on this replica, its own and relayed ones). */
export function onDomainEvents<N extends DomainEventName>(
  bus: ChangeBus,
  names: readonly N[],
  handler: (event: DomainEvent<N>) => void,
): () => void {
  const wanted = new Set<string>(names);
  return bus.onActivity((entry) => {
    if (!wanted.has(entry.action)) return;
    const event = eventOf(entry);
    if (event) handler(event as DomainEvent<N>);
  });
}
