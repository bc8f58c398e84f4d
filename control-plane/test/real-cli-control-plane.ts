/**
 * A control plane whose machine `local` runs a pinned real CLI. The local daemon must list the CLI
 * in its inventory for placement: the CLI's folder goes first on the PATH of the control plane
 * process, which its local daemon inherits (docs/agents.md).
 */
import path from 'node:path';
import { buildBundles, startControlPlane, waitFor, type ControlPlane } from '@openase/test-kit/fleet-harness';
import { ensureCli, PINNED_CLIS, type PinnedCli } from '@openase/test-kit/real-clis';

/** Installs `cli` if needed, starts the control plane in `home` with `env`, and waits for the CLI on `local`. */
export async function startCliControlPlane(
  cli: PinnedCli,
  home: string,
  env: Record<string, string> = {},
): Promise<{ cp: ControlPlane; command: string }> {
  buildBundles();
  const command = ensureCli(cli);
  const cp = await startControlPlane(home, {
    localMachine: true,
    env: { PATH: `${path.dirname(command)}${path.delimiter}${process.env.PATH ?? ''}`, ...env },
  });
  try {
    await waitFor(
      () => `machine local online with ${cli} in its inventory\n${cp.proc.output}`,
      async () => {
        const machine = await cp.api.machines.show.query({ name: 'local' });
        return machine.status === 'online' && JSON.stringify(machine.clis).includes(`"${PINNED_CLIS[cli].bin}"`);
      },
    );
  } catch (err) {
    await cp.proc.kill();
    throw err;
  }
  return { cp, command };
}
