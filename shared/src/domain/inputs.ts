import * as z from '../zod.js';
import { LIMITS } from './limits.js';
import { prioritySchema, statusStageSchema, tokenScopeSchema } from './enums.js';
import { commentAnchorSchema } from './review.js';
import { pageInputShape } from './paging.js';

/**
 * Input schemas of the public API. The control plane validates with them, the CLI and the web
 * build requests against the inferred types: one source of truth per contract.
 */
const name = z.string().trim().min(1, 'must not be empty').max(LIMITS.nameMax, `at most ${LIMITS.nameMax} characters`);
/** A lowercase dashed name of at most `max` characters: a project's slug, a skill's name. */
export const dashedNameSchema = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and dashes, starting with a letter or digit');
export const slugSchema = dashedNameSchema(50);
export const ticketPrefixSchema = z
  .string()
  .trim()
  .min(1)
  .max(10)
  .regex(/^[A-Z][A-Z0-9]*$/, 'uppercase letters and digits, starting with a letter');
export const labelSchema = z
  .string()
  .trim()
  .min(1)
  .max(LIMITS.labelMax, `a label has at most ${LIMITS.labelMax} characters`);
export const labelsSchema = z.array(labelSchema).max(LIMITS.labelsMax, `at most ${LIMITS.labelsMax} labels`);
/** A project is addressed by its slug or id; a ticket by its identifier (`DEMO-1`) or id. */
export const projectRefSchema = z.string().trim().min(1).max(100);
export const ticketRefSchema = z.string().trim().min(1).max(100);

export const projectCreateInput = z.object({
  name,
  slug: slugSchema.optional(),
  ticketPrefix: ticketPrefixSchema.optional(),
  description: z.string().max(LIMITS.descriptionMax).optional(),
});
export type ProjectCreateInput = z.infer<typeof projectCreateInput>;

/** A project's editable settings; `maxConcurrentRuns: null` lifts the limit. */
export const projectUpdateInput = z.object({
  project: projectRefSchema,
  name: name.optional(),
  description: z.string().max(LIMITS.descriptionMax).optional(),
  maxConcurrentRuns: z.number().int().min(1).nullable().optional(),
});

/** Deleting a project: `confirm` must repeat its slug (the console asks for it to be typed). */
export const projectDeleteInput = z.object({ project: projectRefSchema, confirm: z.string().trim().max(100) });

export const repositoryDeleteInput = z.object({ project: projectRefSchema, repository: name });

export const repositoryAddInput = z.object({
  project: projectRefSchema,
  name: name.optional(),
  url: z.string().trim().min(1).max(LIMITS.urlMax),
  defaultBranch: z.string().trim().min(1).max(200).default('main'),
  labels: labelsSchema.default([]),
});
export type RepositoryAddInput = z.input<typeof repositoryAddInput>;
/** The branch agents start from and merge into, or the labels that place a repository's work on machines. */
export const repositoryUpdateInput = z.object({
  project: projectRefSchema,
  repository: name,
  defaultBranch: z.string().trim().min(1).max(200).optional(),
  labels: labelsSchema.optional(),
});

export const statusCreateInput = z.object({
  project: projectRefSchema,
  name,
  stage: statusStageSchema,
  color: z
    .string()
    .regex(/^#[0-9a-fA-F]{6}$/, 'a color like #3b82f6')
    .optional(),
  position: z.number().int().min(0).optional(),
  maxActiveRuns: z.number().int().min(1).nullable().optional(),
});
export const statusUpdateInput = z.object({
  project: projectRefSchema,
  status: name,
  name: name.optional(),
  stage: statusStageSchema.optional(),
  color: z
    .string()
    .regex(/^#[0-9a-fA-F]{6}$/)
    .optional(),
  maxActiveRuns: z.number().int().min(1).nullable().optional(),
});
export const statusMoveInput = z.object({ project: projectRefSchema, status: name, position: z.number().int().min(0) });
export const statusDeleteInput = z.object({
  project: projectRefSchema,
  status: name,
  /** Where the status' tickets go. Required when the status still holds tickets. */
  moveTicketsTo: name.optional(),
});

export const ticketCreateInput = z.object({
  project: projectRefSchema,
  title: z
    .string()
    .trim()
    .min(1, 'a ticket needs a title')
    .max(LIMITS.titleMax, `a title has at most ${LIMITS.titleMax} characters`),
  description: z
    .string()
    .max(LIMITS.descriptionMax, `a description has at most ${LIMITS.descriptionMax} characters`)
    .default(''),
  status: name.optional(),
  priority: prioritySchema.default('none'),
  labels: labelsSchema.default([]),
  parent: ticketRefSchema.optional(),
  budgetUsd: z.number().min(0).max(1_000_000).nullable().optional(),
});
export type TicketCreateInput = z.input<typeof ticketCreateInput>;

export const ticketUpdateInput = z.object({
  ticket: ticketRefSchema,
  title: z.string().trim().min(1).max(LIMITS.titleMax, `a title has at most ${LIMITS.titleMax} characters`).optional(),
  description: z
    .string()
    .max(LIMITS.descriptionMax, `a description has at most ${LIMITS.descriptionMax} characters`)
    .optional(),
  priority: prioritySchema.optional(),
  labels: labelsSchema.optional(),
  /** `null` detaches the ticket from its parent. */
  parent: ticketRefSchema.nullable().optional(),
  budgetUsd: z.number().min(0).max(1_000_000).nullable().optional(),
});
export type TicketUpdateInput = z.input<typeof ticketUpdateInput>;

export const ticketMoveInput = z.object({ ticket: ticketRefSchema, status: name });
export const ticketListInput = z.object({
  project: projectRefSchema,
  status: name.optional(),
  label: labelSchema.optional(),
  priority: prioritySchema.optional(),
  search: z.string().max(200).optional(),
  includeArchived: z.boolean().default(false),
  /** Also answer how many tickets of each status match (the board's column counts), ignoring `status` and `cursor`. */
  counts: z.boolean().default(false),
  ...pageInputShape(200, 5000),
});
export const ticketLinkInput = z.object({
  /** `blocker` blocks `blocked`: `blocked` is not picked up until `blocker` is completed. */
  blocker: ticketRefSchema,
  blocked: ticketRefSchema,
});
export const ticketArchiveInput = z.object({ ticket: ticketRefSchema, archived: z.boolean().default(true) });
/** Deleting a ticket; `withChildren` deletes its sub-tickets too (refused otherwise while it has some). */
export const ticketDeleteInput = z.object({ ticket: ticketRefSchema, withChildren: z.boolean().default(false) });

export const commentAddInput = z.object({
  ticket: ticketRefSchema,
  body: z
    .string()
    .trim()
    .min(1, 'a comment needs a body')
    .max(LIMITS.commentMax, `a comment has at most ${LIMITS.commentMax} characters`),
  /** A line comment: the file and line of the ticket's diff it is about (review.ts). */
  anchor: commentAnchorSchema.optional(),
});
export const commentEditInput = z.object({
  commentId: z.string().uuid(),
  body: z.string().trim().min(1).max(LIMITS.commentMax, `a comment has at most ${LIMITS.commentMax} characters`),
});

export const tokenCreateInput = z.object({
  name,
  scopes: z.array(tokenScopeSchema).min(1).default(['read', 'write']),
  /** Lifetime in seconds; absent = no expiry. */
  expiresInSeconds: z
    .number()
    .int()
    .min(1)
    .max(10 * 365 * 24 * 3600)
    .optional(),
});
export const tokenRevokeInput = z.object({ id: z.string().min(1) });

export const activityListInput = z.object({
  project: projectRefSchema,
  ticket: ticketRefSchema.optional(),
  afterSeq: z.number().int().min(0).default(0),
  ...pageInputShape(200, 1000),
});

/** A name commands take as one word: machines, agents, workflows. */
export const shortNameSchema = z
  .string()
  .trim()
  .min(1)
  .max(63)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
    'letters, digits, dots, dashes and underscores, starting with a letter or digit',
  );

export const machineNameSchema = shortNameSchema;

export const joinTokenCreateInput = z.object({
  /** The most a machine joining with it may have: it may ask for fewer; none asked = all of them. */
  labels: labelsSchema.default([]),
  /** Ceiling of the slots such a machine may claim (absent = up to 1000). */
  slots: z.number().int().min(1).max(1000).optional(),
  /** CLIs such a machine may offer (absent = any it finds), by name: `claude`, `codex`, `gemini`… */
  clis: z.array(z.string().trim().min(1).max(50)).max(50).optional(),
  /** Lifetime in seconds (default 1 hour). */
  ttlSeconds: z
    .number()
    .int()
    .min(60)
    .max(30 * 24 * 3600)
    .default(3600),
  uses: z.number().int().min(1).max(1000).default(1),
  /** Lifetime in seconds of the machine credentials minted from it; absent = they do not expire. */
  credentialTtlSeconds: z
    .number()
    .int()
    .min(60)
    .max(10 * 365 * 24 * 3600)
    .optional(),
});

/** What a daemon sends with its join token to become a machine. */
export const machineJoinInput = z.object({
  name: machineNameSchema,
  labels: labelsSchema.default([]),
  slots: z.number().int().min(1).max(1000).default(1),
  workdir: z.string().max(4096).optional(),
  hostname: z.string().max(255).optional(),
});
export type MachineJoinInput = z.input<typeof machineJoinInput>;

/** Try a parked or waiting ticket again now. */
export const ticketRetryInput = z.object({ ticket: ticketRefSchema });
