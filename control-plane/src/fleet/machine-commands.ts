/**
 * Commands to machines (frames the platform decided: cancel a run, answer a chat turn, remove a workspace, an
 * approval's answer), whichever replica decided them. The replica holding the machine's socket sends the frame;
 * any other replica forwards it on the holder's own NOTIFY channel (`openase_cmd_<hash of its replica id>`,
 * machines.replica_id says who holds it). The frame waits in `machine_commands` (it may exceed NOTIFY's payload
 * limit); the notification carries its id and the holder takes it with one DELETE … RETURNING, so a command is
 * sent at most once. A machine no replica holds gets nothing: what it must still hear is repeated on reconnect
 * (the hub re-sends cancels, the orchestrator pending workspace removals).
 */
import { createHash } from 'node:crypto';
import { eq, inArray, lt } from 'drizzle-orm';
import type { ControlFrame } from '@openase/shared';
import { machineCommands, machines } from '../db/schema.js';
import type { Deps } from '../kernel/context.js';
import { errField } from '../kernel/logger.js';
import type { PubSub } from '../kernel/pubsub.js';
import type { MachineCommand } from '../kernel/transaction.js';

/** A forwarded command not taken by its replica within this long is dropped (the replica went away). */
const STALE_MS = 60_000;

/** The NOTIFY channel of one replica's commands. */
export function commandChannel(replicaId: string): string {
  return `openase_cmd_${createHash('sha256').update(replicaId).digest('hex').slice(0, 24)}`;
}

interface Holder {
  /** Sends to a machine whose socket this replica holds; false when it holds none. */
  send(machineId: string, frame: ControlFrame): boolean;
  /** Where commands for machines this replica does not hold go. */
  setForwarder(forward: (command: MachineCommand) => void): () => void;
}

/** Forwards the hub's commands for machines held by other replicas, and takes the ones forwarded to this one. */
export async function forwardCommandsAcrossReplicas(opts: {
  deps: Deps;
  hub: Holder;
  pubsub: PubSub;
  replicaId: string;
}): Promise<() => Promise<void>> {
  const { deps, hub, pubsub, replicaId } = opts;
  const log = deps.log.child({ component: 'fleet' });
  const failed = (what: string) => (err: unknown) =>
    log.warn(errField(err), `[fleet] ${what}: ${(err as Error).message}`);

  const forward = async (command: MachineCommand): Promise<void> => {
    const [machine] = await deps.db
      .select({ replicaId: machines.replicaId })
      .from(machines)
      .where(eq(machines.id, command.machineId));
    if (!machine?.replicaId || machine.replicaId === replicaId) return; // not connected anywhere (or just left)
    const [row] = await deps.db
      .insert(machineCommands)
      .values({ machineId: command.machineId, frame: command.frame, createdAt: deps.clock.now() })
      .returning({ id: machineCommands.id });
    await pubsub.notify(commandChannel(machine.replicaId), JSON.stringify({ ids: [row!.id] }));
    await deps.db
      .delete(machineCommands)
      .where(lt(machineCommands.createdAt, new Date(deps.clock.now().getTime() - STALE_MS)));
  };
  /** Takes the forwarded commands (ids) and sends those for machines this replica holds. */
  const take = async (ids: number[]): Promise<void> => {
    const rows = await deps.db.delete(machineCommands).where(inArray(machineCommands.id, ids)).returning();
    for (const row of rows.sort((a, b) => a.id - b.id)) hub.send(row.machineId, row.frame as ControlFrame);
  };

  const detach = hub.setForwarder((c) => void forward(c).catch(failed('forwarding a command failed')));
  const stopListening = await pubsub.listen(commandChannel(replicaId), (payload) => {
    try {
      const { ids } = JSON.parse(payload) as { ids?: unknown };
      if (Array.isArray(ids)) void take(ids.filter(Number.isInteger)).catch(failed('taking a command failed'));
    } catch {
      log.warn('[fleet] ignored a malformed command notification');
    }
  });
  return async () => {
    detach();
    await stopListening();
  };
}
