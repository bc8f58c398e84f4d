/**
 * SSH machines (direct): registered with host, port, user and a private key file. The control
 * plane connects out with ssh2; the host key's SHA-256 fingerprint must be confirmed (given at
 * add time, or `openase machine trust NAME` after seeing it) before the first use, and a key that
 * differs from the pinned one is refused. The fingerprint format is OpenSSH's `SHA256:<base64>`.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { eq } from 'drizzle-orm';
import { badRequest, conflict, notFound, sshMachineAddInput, sshFingerprintSchema } from '@openase/shared';
import type { z } from 'zod';
import { machines } from '../db/schema.js';
import { recordActivity } from '../activity/activity.js';
import type { Actor, Deps } from '../kernel/context.js';
import { insertNew } from '../kernel/rows.js';
import { inTransaction } from '../kernel/transaction.js';
import { allowedInput } from '../auth/project-write.js';
import { requireRole } from '../auth/permissions.js';
import { lockMachine, machineNameTaken, type Machine } from './join.js';

export type SshSettings = NonNullable<Machine['ssh']>;

/** OpenSSH's fingerprint of a raw host key: `SHA256:` + unpadded base64 of its SHA-256. */
export function sshFingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

export async function addSshMachine(
  deps: Deps,
  actor: Actor,
  raw: z.input<typeof sshMachineAddInput> & { remoteDir?: string },
): Promise<Machine> {
  const input = allowedInput(actor, 'admin', 'add machines', sshMachineAddInput, raw);
  if (!fs.existsSync(input.keyPath))
    throw badRequest(`the key file ${input.keyPath} does not exist on the control plane's host`);
  return inTransaction(deps, async (tx, changes) => {
    if (await machineNameTaken(tx, actor.orgId, input.name))
      throw conflict(`a machine named "${input.name}" already exists`);
    const ssh: SshSettings = {
      host: input.host,
      port: input.port,
      user: input.user,
      keyPath: input.keyPath,
      fingerprint: input.fingerprint ?? null,
      seenFingerprint: null,
      ...(raw.remoteDir ? { remoteDir: raw.remoteDir } : {}),
    };
    const machine = await insertNew(tx, deps, machines, {
      orgId: actor.orgId,
      name: input.name,
      kind: 'ssh',
      labels: input.labels,
      slots: input.slots,
      maxSlots: input.slots,
      ssh,
      createdAt: deps.clock.now(),
    });
    await recordActivity(tx, deps, changes, actor, {
      projectId: null,
      action: 'machine.added',
      entityType: 'machine',
      entityId: machine.id,
      summary: `added SSH machine ${input.name} (${input.user}@${input.host}:${input.port})${input.fingerprint ? ` pinned to ${input.fingerprint}` : ''}`,
      after: { host: input.host, port: input.port, user: input.user, fingerprint: input.fingerprint ?? null },
    });
    return machine;
  });
}

/** Pins the host key: the one given, or the one last seen. */
export async function trustSshMachine(deps: Deps, actor: Actor, name: string, fingerprint?: string): Promise<Machine> {
  requireRole(actor, 'admin', 'trust machine host keys');
  if (fingerprint !== undefined) sshFingerprintSchema.parse(fingerprint);
  return inTransaction(deps, async (tx, changes) => {
    const machine = await lockMachine(tx, actor.orgId, name);
    if (!machine) throw notFound(`machine "${name}" does not exist; \`openase machine list\` shows the fleet`);
    if (machine.kind !== 'ssh' || !machine.ssh)
      throw badRequest(`machine ${name} is a ${machine.kind} machine; only SSH machines have host keys to trust`);
    const pin = fingerprint ?? machine.ssh.seenFingerprint;
    if (!pin)
      throw conflict(
        `no host key of ${name} has been seen yet (is ${machine.ssh.host}:${machine.ssh.port} reachable?); pass --fingerprint SHA256:… to pin one`,
      );
    const [updated] = await tx
      .update(machines)
      .set({ ssh: { ...machine.ssh, fingerprint: pin } })
      .where(eq(machines.id, machine.id))
      .returning();
    await recordActivity(tx, deps, changes, actor, {
      projectId: null,
      action: 'machine.host_key_trusted',
      entityType: 'machine',
      entityId: machine.id,
      summary: `trusted host key ${pin} of ${name}`,
      before: { fingerprint: machine.ssh.fingerprint },
      after: { fingerprint: pin },
    });
    return updated!;
  });
}

/** Remembers the key a connection attempt saw (shown to the admin for confirmation). */
export async function recordSeenHostKey(deps: Pick<Deps, 'db'>, machineId: string, fingerprint: string): Promise<void> {
  const [m] = await deps.db.select({ ssh: machines.ssh }).from(machines).where(eq(machines.id, machineId));
  if (!m?.ssh || m.ssh.seenFingerprint === fingerprint) return;
  await deps.db
    .update(machines)
    .set({ ssh: { ...m.ssh, seenFingerprint: fingerprint } })
    .where(eq(machines.id, machineId));
}
