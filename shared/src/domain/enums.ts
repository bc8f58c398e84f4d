import { z } from 'zod';

export const STATUS_STAGES = ['backlog', 'unstarted', 'started', 'completed', 'canceled'] as const;
export const statusStageSchema = z.enum(STATUS_STAGES);
export type StatusStage = z.infer<typeof statusStageSchema>;

/** Ordered from most to least urgent; dispatch order follows this list. */
export const PRIORITIES = ['urgent', 'high', 'medium', 'low', 'none'] as const;
export const prioritySchema = z.enum(PRIORITIES);
export type Priority = z.infer<typeof prioritySchema>;

export const ROLES = ['admin', 'member', 'viewer'] as const;
export const roleSchema = z.enum(ROLES);
export type Role = z.infer<typeof roleSchema>;

/**
 * API token scopes. `read` allows queries, `write` allows changes to projects and tickets,
 * `admin` additionally manages tokens and members. A token never exceeds its user's role.
 */
export const TOKEN_SCOPES = ['read', 'write', 'admin'] as const;
export const tokenScopeSchema = z.enum(TOKEN_SCOPES);
export type TokenScope = z.infer<typeof tokenScopeSchema>;

export const DEFAULT_STATUSES: ReadonlyArray<{ name: string; stage: StatusStage; color: string }> = [
  { name: 'Backlog', stage: 'backlog', color: '#94a3b8' },
  { name: 'Todo', stage: 'unstarted', color: '#64748b' },
  { name: 'In Progress', stage: 'started', color: '#3b82f6' },
  { name: 'In Review', stage: 'started', color: '#a855f7' },
  { name: 'Done', stage: 'completed', color: '#22c55e' },
  { name: 'Cancelled', stage: 'canceled', color: '#ef4444' },
];
