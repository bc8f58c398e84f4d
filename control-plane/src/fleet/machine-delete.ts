/**
 * Deleting a machine (admins). Refused for the server's own machine (it comes back at every start), while
 * any run is in progress on it, and while it is connected and not revoked: revoking first ends its runs
 * (their tickets are placed elsewhere) and disconnects its daemon. Its past runs stay, without a machine;
 * its credentials go with it; one `machine.deleted` entry stays in the organization's activity.
 */
import { eq } from 'drizzle-orm';
import { badRequest, conflict, notFound } from '@openase/shared';
import { machines, runs } from '../db/schema.js';
import { deleteRecorded } from '../activity/activity.js';
import type { Actor, Deps } from '../kernel/context.js';
import { inTransaction } from '../kernel/transaction.js';
import { requireRole } from '../auth/permissions.js';
import { describeRuns, liveRuns } from '../runs/in-use.js';
import { lockMachine } from './join.js';

export async function deleteMachine(deps: Deps, actor: Actor, name: string): Promise<{ deleted: string }> {
  requireRole(actor, 'admin', 'delete machines');
  return inTransaction(deps, async (tx, changes) => {
    const machine = await lockMachine(tx, actor.orgId, name);
    if (!machine) throw notFound(`machine "${name}" does not exist`);
    if (machine.kind === 'local')
      throw badRequest(`machine "${name}" is the server's own machine: it comes back at every start`);
    const live = await liveRuns(tx, eq(runs.machineId, machine.id));
    if (live.length)
      throw conflict(
        `machine "${name}" cannot be deleted while it runs work: ${describeRuns(live)} ${live.length === 1 ? 'has a run' : 'have runs'} in progress on it; revoke the machine first, which ends them and places their tickets elsewhere`,
      );
    if (machine.sessionId && !machine.revokedAt)
      throw conflict(`machine "${name}" is connected; revoke it first (its daemon is disconnected), then delete it`);
    await tx.update(runs).set({ machineId: null }).where(eq(runs.machineId, machine.id));
    return deleteRecorded(tx, deps, changes, actor, machines, machine, {
      projectId: null,
      action: 'machine.deleted',
      entityType: 'machine',
      summary: `deleted machine ${machine.name} (${machine.kind})`,
      before: { name: machine.name, kind: machine.kind, labels: machine.labels, revoked: !!machine.revokedAt },
    });
  });
}
