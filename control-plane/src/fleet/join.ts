/**
 * Joining the fleet: an admin mints a join token (`oaj_…`, 1 h, single use by default); a daemon
 * exchanges it once for a machine and its long-lived credential (`oam_…`, shown once, only the
 * hash stored). Revoking a machine revokes its credentials; the daemon is told and stops.
 */
import { and, asc, eq, isNull } from 'drizzle-orm';
import {
  conflict,
  forbidden,
  joinTokenCreateInput,
  machineJoinInput,
  notFound,
  unauthorized,
  type MachineJoinInput,
} from '@openase/shared';
import type { z } from 'zod';
import { joinTokens, machineCredentials, machines } from '../db/schema.js';
import type { DbOrTx, Tx } from '../db/database.js';
import { recordActivity } from '../activity/activity.js';
import type { Actor, Deps } from '../kernel/context.js';
import { insertNew } from '../kernel/rows.js';
import { inTransaction, noChanges, publishChanges } from '../kernel/transaction.js';
import { allowedInput } from '../auth/project-write.js';
import { requireRole } from '../auth/permissions.js';
import { insertWithSecret, parseSecret, secretMatches } from '../auth/secrets.js';
import { failRunsOfLostMachine } from '../runs/lifecycle.js';

export type Machine = typeof machines.$inferSelect;

/** Whether the organization has a machine named `name` already (a new machine needs a free name). */
export async function machineNameTaken(tx: Tx, orgId: string, name: string): Promise<boolean> {
  const [existing] = await tx
    .select({ id: machines.id })
    .from(machines)
    .where(and(eq(machines.orgId, orgId), eq(machines.name, name)));
  return existing !== undefined;
}

/** The organization's machine named `name`, locked for the rest of the transaction. */
export async function lockMachine(tx: Tx, orgId: string, name: string): Promise<Machine | undefined> {
  const [machine] = await tx
    .select()
    .from(machines)
    .where(and(eq(machines.orgId, orgId), eq(machines.name, name)))
    .for('update');
  return machine;
}

export async function createJoinToken(deps: Deps, actor: Actor, raw: z.input<typeof joinTokenCreateInput>) {
  const input = allowedInput(actor, 'admin', 'create machine join tokens', joinTokenCreateInput, raw);
  return inTransaction(deps, async (tx, changes) => {
    const now = deps.clock.now();
    const expiresAt = new Date(now.getTime() + input.ttlSeconds * 1000);
    const { row: joinToken, token } = await insertWithSecret(tx, deps.ids, 'oaj', joinTokens, {
      orgId: actor.orgId,
      labels: input.labels,
      maxSlots: input.slots ?? null,
      clis: input.clis ?? null,
      maxUses: input.uses,
      credentialTtlSeconds: input.credentialTtlSeconds ?? null,
      createdBy: actor.name,
      createdAt: now,
      expiresAt,
    });
    await recordActivity(tx, deps, changes, actor, {
      projectId: null,
      action: 'join_token.created',
      entityType: 'join_token',
      entityId: joinToken.id,
      summary: `created a machine join token (${input.uses} use(s), expires ${expiresAt.toISOString()})`,
      after: { labels: input.labels, uses: input.uses, expiresAt },
    });
    return { id: joinToken.id, token, labels: input.labels, uses: input.uses, expiresAt };
  });
}

/** Exchanges a join token for a new machine and its credential. Errors say exactly why not. */
export async function redeemJoinToken(
  deps: Deps,
  token: string,
  raw: MachineJoinInput,
): Promise<{ machine: Machine; credential: string }> {
  const parsed = parseSecret(token, 'oaj');
  if (!parsed) throw unauthorized('the join token is malformed; join tokens look like oaj_<id>_<secret>');
  const input = machineJoinInput.parse(raw);
  const changes = noChanges();
  const result = await deps.db.transaction(async (tx) => {
    const [row] = await tx.select().from(joinTokens).where(eq(joinTokens.id, parsed.id)).for('update');
    if (!row || !secretMatches(parsed.secret, row.secretHash))
      throw unauthorized('the join token is not valid; create one with `openase machine join-token create`');
    const now = deps.clock.now();
    if (row.expiresAt <= now)
      throw unauthorized(
        `the join token expired at ${row.expiresAt.toISOString()}; create a new one with \`openase machine join-token create\``,
      );
    if (row.uses >= row.maxUses)
      throw unauthorized(
        'the join token has already been used; create a new one with `openase machine join-token create`',
      );
    const [taken] = await tx
      .select({ revokedAt: machines.revokedAt })
      .from(machines)
      .where(and(eq(machines.orgId, row.orgId), eq(machines.name, input.name)));
    // A revoked machine keeps its name (and history) until it is deleted: rejoining under it needs the delete.
    if (taken)
      throw conflict(
        taken.revokedAt
          ? `machine "${input.name}" was revoked and keeps its name until it is deleted: \`openase machine delete ${input.name}\`, then join again (or join with another --name)`
          : `a machine named "${input.name}" already exists; join with another --name, or replace it: \`openase machine revoke ${input.name}\`, then \`openase machine delete ${input.name}\``,
      );
    const granted = grantedByJoinToken(row, input);
    await tx
      .update(joinTokens)
      .set({ uses: row.uses + 1 })
      .where(eq(joinTokens.id, row.id));
    const machine = await insertNew(tx, deps, machines, {
      orgId: row.orgId,
      name: input.name,
      kind: 'reverse',
      labels: granted.labels,
      slots: input.slots,
      maxSlots: input.slots,
      allowedClis: row.clis,
      workdir: input.workdir ?? null,
      hostname: input.hostname ?? null,
      createdAt: now,
    });
    const credential = await insertWithSecret(tx, deps.ids, 'oam', machineCredentials, {
      machineId: machine.id,
      createdAt: now,
      expiresAt: row.credentialTtlSeconds ? new Date(now.getTime() + row.credentialTtlSeconds * 1000) : null,
    });
    const actor: Actor = {
      type: 'system',
      id: `join:${row.id}`,
      name: `machine ${input.name}`,
      orgId: row.orgId,
      role: 'member',
    };
    await recordActivity(tx, deps, changes, actor, {
      projectId: null,
      action: 'machine.joined',
      entityType: 'machine',
      entityId: machine.id,
      summary: `machine ${input.name} joined with join token ${row.id} (${input.slots} slot(s))`,
      after: { name: input.name, labels: machine.labels, slots: input.slots, hostname: input.hostname ?? null },
    });
    return { machine: machine, credential: credential.token };
  });
  publishChanges(deps, changes);
  return result;
}

/**
 * What a join token lets a machine be: its labels are a ceiling (the machine may ask for fewer;
 * asking for none gets them all), and so are its slots. Asking for more is refused, not trimmed.
 */
export function grantedByJoinToken(
  token: Pick<typeof joinTokens.$inferSelect, 'labels' | 'maxSlots'>,
  input: { labels: string[]; slots: number },
): { labels: string[] } {
  const extra = input.labels.filter((l) => !token.labels.includes(l));
  if (extra.length)
    throw forbidden(
      `the join token does not allow label(s) ${extra.join(', ')}; it allows ${token.labels.length ? token.labels.join(', ') : 'none'} (an admin sets labels when creating the token)`,
    );
  if (token.maxSlots !== null && input.slots > token.maxSlots)
    throw forbidden(
      `the join token allows at most ${token.maxSlots} slot(s); join with --slots ${token.maxSlots} or less`,
    );
  return { labels: input.labels.length ? [...new Set(input.labels)] : token.labels };
}

/**
 * What a daemon's hello may change on its machine: slots up to the admin-set ceiling, CLIs
 * within the join token's list. Labels are never taken from a hello.
 */
export function boundHello(
  machine: Pick<Machine, 'maxSlots' | 'allowedClis'>,
  hello: { slots: number; clis: Array<{ name: string }> },
): { slots: number; clis: typeof hello.clis; trimmed: string[] } {
  const trimmed: string[] = [];
  let slots = hello.slots;
  if (machine.maxSlots !== null && slots > machine.maxSlots) {
    trimmed.push(`${slots} slot(s) claimed, ${machine.maxSlots} allowed`);
    slots = machine.maxSlots;
  }
  const clis = boundClis(machine, hello.clis);
  if (clis.length < hello.clis.length)
    trimmed.push(
      `CLI(s) ${hello.clis
        .filter((c) => !clis.includes(c))
        .map((c) => c.name)
        .join(', ')} not allowed`,
    );
  return { slots, clis, trimmed };
}

/** The CLIs of a hello or heartbeat the machine may offer. */
export function boundClis<T extends { name: string }>(machine: Pick<Machine, 'allowedClis'>, clis: T[]): T[] {
  return machine.allowedClis ? clis.filter((c) => machine.allowedClis!.includes(c.name)) : clis;
}

/** Turns a machine credential into its machine, refusing unknown and revoked ones. */
export async function authenticateMachine(
  deps: Pick<Deps, 'db' | 'clock'>,
  credential: string,
): Promise<Machine & { credential: SessionCredential }> {
  const parsed = parseSecret(credential, 'oam');
  if (!parsed) throw unauthorized('the machine credential is malformed; credentials look like oam_<id>_<secret>');
  const [row] = await deps.db
    .select({ credential: machineCredentials, machine: machines })
    .from(machineCredentials)
    .innerJoin(machines, eq(machines.id, machineCredentials.machineId))
    .where(eq(machineCredentials.id, parsed.id));
  if (!row || !secretMatches(parsed.secret, row.credential.secretHash))
    throw unauthorized('the machine credential is not valid');
  if (row.credential.revokedAt || row.machine.revokedAt)
    throw unauthorized(`machine ${row.machine.name} has been revoked; join again with a new join token`);
  if (row.credential.expiresAt && row.credential.expiresAt <= deps.clock.now())
    throw unauthorized(
      `the credential of machine ${row.machine.name} expired at ${row.credential.expiresAt.toISOString()}; join again with a new join token`,
    );
  return { ...row.machine, credential: { id: row.credential.id, expiresAt: row.credential.expiresAt } };
}

/** The credential a session was opened with: it is closed when that credential expires or is revoked. */
export interface SessionCredential {
  id: string;
  expiresAt: Date | null;
}

/**
 * Revokes a machine and its credentials, and ends its active runs (queued ones too: it never
 * comes back), so their tickets are placed elsewhere. The caller closes its live session.
 */
export async function revokeMachine(deps: Deps, actor: Actor, name: string): Promise<Machine> {
  requireRole(actor, 'admin', 'revoke machines');
  const machine = await inTransaction(deps, async (tx, changes) => {
    const machine = await lockMachine(tx, actor.orgId, name);
    if (!machine) throw notFound(`machine "${name}" does not exist; \`openase machine list\` shows the fleet`);
    // Revoked for good (it has no join token to come back with) and still there after every start: refused. Its server
    // runs it unless started without it (docs/machines.md); its runs can be canceled.
    if (machine.kind === 'local')
      throw conflict(
        `machine "${name}" is the server's own machine and cannot be revoked; start the server without it to turn it off (docs/machines.md)`,
      );
    if (machine.revokedAt) return machine;
    const now = deps.clock.now();
    const [revoked] = await tx.update(machines).set({ revokedAt: now }).where(eq(machines.id, machine.id)).returning();
    await tx
      .update(machineCredentials)
      .set({ revokedAt: now })
      .where(and(eq(machineCredentials.machineId, machine.id), isNull(machineCredentials.revokedAt)));
    await recordActivity(tx, deps, changes, actor, {
      projectId: null,
      action: 'machine.revoked',
      entityType: 'machine',
      entityId: machine.id,
      summary: `revoked machine ${machine.name}`,
    });
    return revoked!;
  });
  await failRunsOfLostMachine(deps, machine.id, `machine ${machine.name} was revoked`, { revoked: true });
  return machine;
}

export async function listMachines(db: DbOrTx, orgId: string): Promise<Machine[]> {
  return db.select().from(machines).where(eq(machines.orgId, orgId)).orderBy(asc(machines.name));
}
