import { API } from '@openase/shared';
import { CLOSE_CODES } from '@openase/shared';
import { addSshMachine, recordSeenHostKey, trustSshMachine } from '../../fleet/ssh-machines.js';
import { probeHostKey } from '../../fleet/ssh-connector.js';
import { createJoinToken, revokeMachine } from '../../fleet/join.js';
import { fleetThresholds, fleetView, showMachine } from '../../fleet/status.js';
import { deleteMachine } from '../../fleet/machine-delete.js';
import { machineHistoryView } from '../../fleet/machine-history.js';
import { proc, router } from '../trpc.js';

export const machinesRouter = router({
  /** The fleet view: every machine with status, slots used/total, CLIs; and totals. */
  list: proc(API.machines.list).query(({ ctx }) =>
    fleetView(
      ctx.deps.db,
      ctx.actor.orgId,
      ctx.deps.clock.now(),
      ctx.fleet?.thresholds ?? fleetThresholds(),
      ctx.fleet?.startedAt,
    ),
  ),
  show: proc(API.machines.show).query(({ ctx, input }) =>
    showMachine(
      ctx.deps.db,
      ctx.actor.orgId,
      input.name,
      ctx.deps.clock.now(),
      ctx.fleet?.thresholds ?? fleetThresholds(),
      ctx.fleet?.startedAt,
    ),
  ),
  createJoinToken: proc(API.machines.createJoinToken).mutation(({ ctx, input }) =>
    createJoinToken(ctx.deps, ctx.actor, input),
  ),
  /** Registers an SSH machine; without a pinned fingerprint, reports the host key seen for confirmation. */
  addSsh: proc(API.machines.addSsh).mutation(async ({ ctx, input }) => {
    const machine = await addSshMachine(ctx.deps, ctx.actor, input);
    let seenFingerprint: string | null = null;
    let probeError: string | null = null;
    if (!input.fingerprint) {
      try {
        seenFingerprint = await probeHostKey(input.host, input.port);
        await recordSeenHostKey(ctx.deps, machine.id, seenFingerprint);
      } catch (err) {
        probeError = (err as Error).message;
      }
    }
    ctx.fleet?.ssh?.refresh(machine.id);
    return {
      name: machine.name,
      id: machine.id,
      pinnedFingerprint: input.fingerprint ?? null,
      seenFingerprint,
      probeError,
    };
  }),
  /** Confirms (pins) an SSH machine's host key: the one given, or the one last seen. */
  trust: proc(API.machines.trust).mutation(async ({ ctx, input }) => {
    const machine = await trustSshMachine(ctx.deps, ctx.actor, input.name, input.fingerprint);
    ctx.fleet?.ssh?.refresh(machine.id);
    return { name: machine.name, fingerprint: machine.ssh!.fingerprint };
  }),
  revoke: proc(API.machines.revoke).mutation(async ({ ctx, input }) => {
    const machine = await revokeMachine(ctx.deps, ctx.actor, input.name);
    ctx.fleet?.disconnect(machine.id, CLOSE_CODES.revoked, `machine ${machine.name} was revoked`);
    return machine;
  }),
  history: proc(API.machines.history).query(({ ctx, input }) =>
    machineHistoryView(ctx.deps.db, ctx.actor.orgId, ctx.deps.clock.now(), input),
  ),
  delete: proc(API.machines.delete).mutation(({ ctx, input }) => deleteMachine(ctx.deps, ctx.actor, input.name)),
});
