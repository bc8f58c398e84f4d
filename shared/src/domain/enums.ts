import * as z from '../zod.js';

export const STATUS_STAGES = ['backlog', 'unstarted', 'started', 'completed', 'canceled'] as const;
export const statusStageSchema = z.enum(STATUS_STAGES);
/** What each stage means, in the words the console shows. */
export const STATUS_STAGE_LABELS: Record<(typeof STATUS_STAGES)[number], string> = {
  backlog: 'Backlog (not planned yet)',
  unstarted: 'To do (planned, not started)',
  started: 'In progress',
  completed: 'Done',
  canceled: 'Canceled',
};
export type StatusStage = z.infer<typeof statusStageSchema>;

/** Ordered from most to least urgent; dispatch order follows this list. */
export const PRIORITIES = ['urgent', 'high', 'medium', 'low', 'none'] as const;
export const prioritySchema = z.enum(PRIORITIES);
export type Priority = z.infer<typeof prioritySchema>;
/** Each priority as the console shows it in a choice or on a card ("Urgent"; "No priority" for `none`). */
export const PRIORITY_LABELS: Readonly<Record<Priority, string>> = {
  urgent: 'Urgent',
  high: 'High',
  medium: 'Medium',
  low: 'Low',
  none: 'No priority',
};

/**
 * Organization roles, from most to least powerful. viewer: reads; member: tickets, comments, runs of tickets,
 * Project AI; admin: workflows, agents, secrets, machines, join tokens, members; owner: the organization's
 * and sign-in settings. docs/security.md has the whole table.
 */
export const ROLES = ['owner', 'admin', 'member', 'viewer'] as const;
export const roleSchema = z.enum(ROLES);
export type Role = z.infer<typeof roleSchema>;
export const ROLE_RANK: Readonly<Record<Role, number>> = { viewer: 0, member: 1, admin: 2, owner: 3 };
/** True when `role` is at least `min`. */
export const roleAtLeast = (role: Role, min: Role): boolean => ROLE_RANK[role] >= ROLE_RANK[min];
/** A person's role inside one project, replacing their organization role there (owners and admins excepted). */
export const PROJECT_ROLES = ['admin', 'member', 'viewer'] as const;
export const projectRoleSchema = z.enum(PROJECT_ROLES);
export type ProjectRole = z.infer<typeof projectRoleSchema>;

/**
 * API token scopes. `read` allows queries, `write` allows changes to projects and tickets,
 * `admin` additionally manages tokens and members. A token never exceeds its user's role.
 * `runs.exec` (start a plain command on a machine, set what an agent runs) and `workflows.hooks`
 * (change what a workflow's hooks run) are code execution on machines: a token needs them by name (or
 * `admin`), its user the admin role; `read,write` tokens never carry them (docs/security.md).
 */
export const TOKEN_SCOPES = ['read', 'write', 'admin', 'runs.exec', 'workflows.hooks'] as const;
/** The scopes that let a caller run code on machines. */
export const EXEC_SCOPES = ['runs.exec', 'workflows.hooks'] as const;
export type ExecScope = (typeof EXEC_SCOPES)[number];
export const tokenScopeSchema = z.enum(TOKEN_SCOPES);
export type TokenScope = z.infer<typeof tokenScopeSchema>;
/** What each API token scope lets the token do, in words; the holder's role still applies (a viewer's never writes). */
export const TOKEN_SCOPE_WORDS: Readonly<Record<TokenScope, string>> = {
  read: 'read what your role can see',
  write: 'change tickets and settings your role allows',
  admin: 'manage tokens and people your role allows',
  'runs.exec': 'run commands on machines, set what an agent runs',
  'workflows.hooks': 'change what workflows run (hooks, MCP servers)',
};

/**
 * Every scope a person of `role` may put on a token, short of running code on machines: what the token made when
 * they join from the CLI carries, and what a token must carry to open a session (which has the role's full power).
 */
export function roleScopes(role: Role): TokenScope[] {
  if (roleAtLeast(role, 'admin')) return ['read', 'write', 'admin'];
  return roleAtLeast(role, 'member') ? ['read', 'write'] : ['read'];
}

export const DEFAULT_STATUSES: ReadonlyArray<{ name: string; stage: StatusStage; color: string }> = [
  { name: 'Backlog', stage: 'backlog', color: '#94a3b8' },
  { name: 'Todo', stage: 'unstarted', color: '#64748b' },
  { name: 'In Progress', stage: 'started', color: '#3b82f6' },
  { name: 'In Review', stage: 'started', color: '#a855f7' },
  { name: 'Done', stage: 'completed', color: '#22c55e' },
  { name: 'Cancelled', stage: 'canceled', color: '#ef4444' },
];

/**
 * Run lifecycle. queued → offered → preparing → running → one terminal state. `offered` = sent
 * to a daemon that has not accepted yet (withdrawn after 10 s); `preparing` = accepted, the
 * workspace is being made ready. Every transition is recorded with a reason (`run_transitions`).
 */
export const RUN_STATES = [
  'queued',
  'offered',
  'preparing',
  'running',
  'succeeded',
  'failed',
  'canceled',
  'timed_out',
  'stalled',
  'lost',
] as const;
export const runStateSchema = z.enum(RUN_STATES);
export type RunState = z.infer<typeof runStateSchema>;
/** A run's state as the console and the CLI say it: "timed out", never `timed_out`; "starting" for `offered`. */
export const RUN_STATE_WORDS: Readonly<Record<RunState, string>> = {
  queued: 'queued',
  offered: 'starting',
  preparing: 'preparing',
  running: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  canceled: 'canceled',
  timed_out: 'timed out',
  stalled: 'stalled',
  lost: 'lost',
};
export const ACTIVE_RUN_STATES: readonly RunState[] = ['queued', 'offered', 'preparing', 'running'];
/** Every state but the active ones: a run there has ended. */
export const TERMINAL_RUN_STATES: ReadonlySet<RunState> = new Set(
  RUN_STATES.filter((s) => !ACTIVE_RUN_STATES.includes(s)),
);

/** What a run executes: a plain command started by hand, or an agent working a ticket. */
export const RUN_KINDS = ['command', 'agent'] as const;
export type RunKind = (typeof RUN_KINDS)[number];

export const MACHINE_KINDS = ['local', 'reverse', 'ssh'] as const;
export type MachineKind = (typeof MACHINE_KINDS)[number];
/**
 * Derived from the live session and liveness thresholds: `online` (session open, heard from
 * within the disconnect threshold), `disconnected` (silent or socket gone for less than the lost
 * threshold), `lost` (longer), `revoked` (credential revoked), `pending` (never connected).
 */
export const MACHINE_STATUSES = ['online', 'disconnected', 'lost', 'revoked', 'pending'] as const;
export type MachineStatus = (typeof MACHINE_STATUSES)[number];

export const AGENT_ADAPTERS = ['claude-code', 'codex', 'gemini', 'custom'] as const;
export const agentAdapterSchema = z.enum(AGENT_ADAPTERS);
export type AgentAdapter = z.infer<typeof agentAdapterSchema>;
