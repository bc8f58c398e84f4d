/**
 * What every domain function receives: the database handle, a clock and an id generator, plus
 * the bus that carries committed changes to live subscribers. Passed in, never imported, so the
 * domain is tested without a server and with a controllable clock.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { ProjectRole, Role, TokenScope } from '@openase/shared';
import type { Db } from '../db/database.js';
import type { ChangeBus } from './change-bus.js';
import type { SecretCipher } from '../secrets/cipher.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import type { z } from 'zod';

export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };

export interface IdGenerator {
  uuid(): string;
  /** URL-safe random secret with `bytes` bytes of entropy (default 32 = 256 bits). */
  secret(bytes?: number): string;
  /** 12 lowercase hex characters: the public id part of tokens and credentials. */
  shortId(): string;
}
export const randomIds: IdGenerator = {
  uuid: () => randomUUID(),
  secret: (bytes = 32) => randomBytes(bytes).toString('base64url'),
  shortId: () => randomBytes(6).toString('hex'),
};

export interface Deps {
  db: Db;
  clock: Clock;
  ids: IdGenerator;
  bus: ChangeBus;
  /** Encrypts secret values at rest (key in the data dir; in memory in tests). */
  secrets: SecretCipher;
  /** The structured log (kernel/logger.ts); a request's deps carry a child with its request id. */
  log: Logger;
  /** Instruments for /metrics (kernel/metrics.ts); one registry per server. */
  metrics: Metrics;
}

/** Who is acting: recorded on every activity entry and checked against roles and scopes. */
export interface Actor {
  type: 'user' | 'system' | 'agent';
  /** user id, token id, or a system component name */
  id: string;
  name: string;
  orgId: string;
  userId?: string;
  role: Role;
  /** Present when the actor authenticated with an API token: the token's scopes. */
  scopes?: TokenScope[];
  /** The API token id, when one was used. */
  tokenId?: string;
  /** Present for an agent calling with its run token: what that run may do, and on which ticket. */
  run?: RunGrant;
  /** Per-project roles looked up so far in this request (auth/permissions.ts `roleInProject`). */
  projectRoles?: Record<string, ProjectRole | null>;
}

/** The powers of a run token (see auth/run-tokens.ts and api/agent-access.ts). */
export interface RunGrant {
  runId: string;
  /** The run's ticket; null for a Project AI conversation's run (it acts project-wide, within its scopes). */
  ticketId: string | null;
  /** Set for a Project AI conversation's run. */
  conversationId?: string;
  projectId: string;
  scopes: string[];
  moveToStatusIds: string[];
}

export function systemActor(orgId: string, component = 'system'): Actor {
  return { type: 'system', id: component, name: component, orgId, role: 'owner' };
}

/**
 * A domain command as the API and the CLI call it: the server's dependencies, who asks, and the input as sent
 * (the command checks the role and parses it).
 */
export type Command<S extends z.ZodType, R> = (deps: Deps, actor: Actor, raw: z.input<S>) => Promise<R>;

/** What a delete command answers: the name of what it deleted. */
export interface Deleted {
  deleted: string;
}
