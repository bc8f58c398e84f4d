/** Machines of the fleet and the credentials they join and connect with. */
import { sql } from 'drizzle-orm';
import { bigserial, index, integer, jsonb, pgTable, primaryKey, real, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { MACHINE_KINDS } from '@openase/shared';
import { createdAt, tstz, cascadeRef, ownedRow, credentialRow, textList } from './columns.js';
import { organizations } from './identity.js';

/**
 * Worker machines. `kind`: local (spawned by the control plane), reverse (the daemon dials in
 * over WebSocket), ssh (the control plane dials out). Status is derived from the live session
 * and liveness thresholds; `revoked_at` ends a machine for good.
 */
export const machines = pgTable(
  'machines',
  {
    ...ownedRow('orgId', () => organizations.id),
    name: text('name').notNull(),
    kind: text('kind', { enum: MACHINE_KINDS }).notNull(),
    labels: textList('labels'),
    /** Slots in use for placement: what the daemon's hello said, never above `max_slots`. */
    slots: integer('slots').notNull().default(1),
    /** The admin-set ceiling of `slots` (join token or `machine add`); null = only the schema's limit. */
    maxSlots: integer('max_slots'),
    /** CLIs the machine may offer (from its join token); null = any it finds. */
    allowedClis: text('allowed_clis').array(),
    workdir: text('workdir'),
    hostname: text('hostname'),
    os: text('os'),
    arch: text('arch'),
    daemonVersion: text('daemon_version'),
    clis: jsonb('clis')
      .notNull()
      .default(sql`'[]'::jsonb`),
    /** The live session (set on welcome, cleared on disconnect); null = not connected. */
    sessionId: text('session_id'),
    /** Bumped on every new session: a stale socket's late close never clears a newer session. */
    sessionEpoch: integer('session_epoch').notNull().default(0),
    /** The control-plane process holding the session (commands are routed to it). */
    replicaId: text('replica_id'),
    connectedAt: tstz('connected_at'),
    disconnectedAt: tstz('disconnected_at'),
    lastSeenAt: tstz('last_seen_at'),
    /** What the last heartbeat said: runs in progress, load average, free disk of the daemon's home. */
    lastHeartbeat: jsonb('last_heartbeat').$type<{
      slotsUsed: number;
      load?: number;
      diskFreeBytes?: number;
      /** The agents' own commands the daemon checks (placement skips a machine missing one). */
      commands?: Array<{ command: string; found: boolean }>;
    }>(),
    /** SSH machines: how to reach them and the host key fingerprint (pinned once confirmed). */
    ssh: jsonb('ssh').$type<{
      host: string;
      port: number;
      user: string;
      keyPath: string;
      fingerprint: string | null;
      seenFingerprint: string | null;
      remoteDir?: string;
    }>(),
    createdAt: createdAt(),
    revokedAt: tstz('revoked_at'),
  },
  (t) => [uniqueIndex('machines_org_name').on(t.orgId, t.name)],
);

/** Machine credentials `oam_<id>_<secret>`: only the SHA-256 of the secret is stored. */
export const machineCredentials = pgTable('machine_credentials', {
  ...credentialRow('machineId', () => machines.id),
  createdAt: createdAt(),
  revokedAt: tstz('revoked_at'),
  /** Null = no expiry (the default); set from the join token's `credential_ttl_seconds`. */
  expiresAt: tstz('expires_at'),
});

/** Join tokens `oaj_<id>_<secret>`: exchanged once (or `max_uses` times) for a machine credential. */
export const joinTokens = pgTable('join_tokens', {
  ...credentialRow('orgId', () => organizations.id),
  labels: textList('labels'),
  /** Ceiling of the slots a machine joining with this token may claim (null = no ceiling but the schema's). */
  maxSlots: integer('max_slots'),
  /** CLIs machines joining with this token may offer (null = any). */
  clis: text('clis').array(),
  maxUses: integer('max_uses').notNull().default(1),
  uses: integer('uses').notNull().default(0),
  /** Lifetime of the machine credentials minted from this token (null = they do not expire). */
  credentialTtlSeconds: integer('credential_ttl_seconds'),
  createdBy: text('created_by').notNull(),
  createdAt: createdAt(),
  expiresAt: tstz('expires_at').notNull(),
});

/**
 * Frames for a machine whose socket another replica holds, waiting for that replica to send them
 * (fleet/machine-commands.ts): the NOTIFY on the holder's channel carries only the ids (a frame may
 * exceed NOTIFY's 8000 bytes). The holder deletes what it sends; rows older than a minute are dropped.
 */
export const machineCommands = pgTable(
  'machine_commands',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    machineId: cascadeRef('machine_id', () => machines.id),
    frame: jsonb('frame').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('machine_commands_created').on(t.createdAt)],
);

/**
 * The fleet over time, one row per machine and minute in which it sent a heartbeat (fleet/machine-history.ts):
 * the most runs in flight and the highest load of that minute. A minute without a row is a minute offline. Written
 * once when a machine's minute begins and once more when it ends (at most; never per heartbeat), kept 24 hours.
 */
export const machineHistory = pgTable(
  'machine_history',
  {
    machineId: cascadeRef('machine_id', () => machines.id),
    minute: tstz('minute').notNull(),
    slotsUsed: integer('slots_used').notNull(),
    load: real('load'),
  },
  (t) => [primaryKey({ columns: [t.machineId, t.minute] }), index('machine_history_minute').on(t.minute)],
);
