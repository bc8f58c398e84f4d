/**
 * People and how they get in: members and their roles, per-project roles, invitations, single sign-on
 * (OIDC) settings, and the audit trail's query. The control plane validates with these; the CLI and the
 * console build requests from the inferred types.
 */
import * as z from '../zod.js';
import { LIMITS } from './limits.js';
import { projectRoleSchema, roleSchema } from './enums.js';
import { projectRefSchema } from './inputs.js';

export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(254, 'an email address has at most 254 characters')
  .regex(/^[^\s@]+@[^\s@]+$/, 'an email address like ada@example.com');
export const personNameSchema = z
  .string()
  .trim()
  .min(1, 'a name must not be empty')
  .max(LIMITS.nameMax, `at most ${LIMITS.nameMax} characters`);
/** A person is addressed by id or email. */
export const userRefSchema = z.string().trim().min(1).max(254);

/** "Ada Lovelace" → "AL", "ada" → "AD", "" → "?": what the console shows in place of an avatar. */
export function initialsOf(name: string): string {
  const words = name
    .trim()
    .split(/[\s._@-]+/u)
    .filter(Boolean);
  if (words.length === 0) return '?';
  const letters = words.length === 1 ? [...words[0]!].slice(0, 2) : [words[0]![0]!, words.at(-1)![0]!];
  return letters.join('').toUpperCase();
}

export const memberRoleInput = z.object({ user: userRefSchema, role: roleSchema });
export const projectRoleInput = z.object({
  project: projectRefSchema,
  user: userRefSchema,
  /** null removes the override: the organization role applies again. */
  role: projectRoleSchema.nullable(),
});
export const memberRefInput = z.object({ user: userRefSchema });
export const memberUpdateProfileInput = z.object({ name: personNameSchema });

export const INVITATION_TTL_HOURS_DEFAULT = 72;
/** A one-time sign-in link: for oneself, or (an admin) for another person who lost their way in. */
export const signInLinkInput = z.object({ for: z.string().trim().min(1).max(254).optional() }).default({});

export const invitationCreateInput = z.object({
  /** When set, only this address can accept it; otherwise whoever opens the link types theirs. */
  email: emailSchema.optional(),
  role: roleSchema.exclude(['owner']).default('member'),
  expiresInHours: z
    .number()
    .int()
    .min(1)
    .max(30 * 24, 'an invitation lives at most 30 days')
    .default(INVITATION_TTL_HOURS_DEFAULT),
});
export type InvitationCreateInput = z.input<typeof invitationCreateInput>;
/** An invitation code `oin_<id>_<secret>`, or the whole link that carries it. */
export const invitationCodeSchema = z.string().trim().min(1).max(2000);
export const invitationAcceptInput = z.object({
  code: invitationCodeSchema,
  name: personNameSchema,
  email: emailSchema.optional(),
  /** The CLI asks for an API token for the new person (the browser gets a session instead). */
  tokenName: z.string().trim().min(1).max(LIMITS.nameMax).optional(),
});
export const invitationRefInput = z.object({ id: z.string().trim().min(1).max(100) });

/** Extracts the code from `https://cp/invite#oin_…`, `…?code=oin_…` or a bare code. */
export function invitationCodeFrom(linkOrCode: string): string {
  const m = /(oin_[A-Za-z0-9]+_[A-Za-z0-9_-]+)/.exec(linkOrCode.trim());
  return m ? m[1]! : linkOrCode.trim();
}

/** How people sign in to the console: one-time links, or single sign-on once OIDC is enabled. */
export const OIDC_STATES = ['off', 'draft', 'tested', 'enabled'] as const;
export type OidcState = (typeof OIDC_STATES)[number];
/** Who may sign in with OIDC the first time: only invited people, or anyone of an allowed domain, as `role`. */
export const OIDC_NEW_USERS = ['invite-only', 'viewer', 'member'] as const;
export const oidcNewUsersSchema = z.enum(OIDC_NEW_USERS);
export const domainSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9.-]+\.[a-z]{2,}$|^[a-z0-9-]+$/, 'a domain like example.com');
export const oidcConfigInput = z.object({
  issuer: z.string().trim().url('the issuer must be a URL like https://accounts.example.com'),
  clientId: z.string().trim().min(1).max(500),
  /** Omitted on an update = keep the stored one; a public client (PKCE only) has none. */
  clientSecret: z.string().min(1).max(2000).optional(),
  allowedDomains: z.array(domainSchema).max(50).default([]),
  newUsers: oidcNewUsersSchema.default('invite-only'),
  scopes: z
    .array(z.string().regex(/^[\x21-\x7e]+$/))
    .max(20)
    .default(['openid', 'email', 'profile']),
});
export type OidcConfigInput = z.input<typeof oidcConfigInput>;

/** Audit trail kinds: each is a set of actions (activity entries). */
export const AUDIT_KINDS = {
  /** What runs on machines changed: a workflow's hooks or MCP servers, a skill's hooks or !`commands`. */
  code: ['workflow.hooks_changed', 'skill.hooks_changed'],
  'sign-in': ['auth.'],
  members: ['member.'],
  invitations: ['invitation.'],
  tokens: ['token.'],
  secrets: ['secret.', 'agent.'],
  machines: ['machine.', 'join_token.'],
  settings: ['settings.', 'project.ai_settings', 'notification.'],
  tickets: ['ticket.', 'comment.'],
  runs: ['run.'],
  workflows: ['workflow.', 'skill.', 'status.', 'job.', 'repository.', 'project.'],
} as const satisfies Record<string, readonly string[]>;
export type AuditKind = keyof typeof AUDIT_KINDS;
export const auditKindSchema = z.enum(Object.keys(AUDIT_KINDS) as [AuditKind, ...AuditKind[]]);
export const auditListInput = z.object({
  /** A person's name, email or id; or an agent/system name. */
  actor: z.string().trim().min(1).max(254).optional(),
  kinds: z.array(auditKindSchema).max(20).optional(),
  project: projectRefSchema.optional(),
  since: z.string().datetime({ offset: true }).optional(),
  until: z.string().datetime({ offset: true }).optional(),
  /** Paging: entries older than this id. */
  before: z.number().int().min(1).optional(),
  limit: z.number().int().min(1).max(5000).default(200),
});
export type AuditListInput = z.input<typeof auditListInput>;
