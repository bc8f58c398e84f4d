/**
 * The fleet: every machine of the organization with status, slots and CLIs, and the totals
 * (`machines.list`). Follows the live stream: a machine joining, going away or taking a run
 * reloads it; connections and heartbeats are not recorded changes, so the page also refreshes
 * every few seconds while it is open.
 */
import { defineStore } from 'pinia';
import { api, type RouterInputs, type RouterOutputs } from '../api/client';
import { coalesce, onChange, onResync } from '../live/live';
import { notLoaded, trackLoad } from '../ui/async-state';

export type FleetView = RouterOutputs['machines']['list'];
export type FleetMachine = FleetView['machines'][number];

export const useFleet = defineStore('fleet', {
  state: () => ({
    view: null as FleetView | null,
    ...notLoaded(),
  }),
  actions: {
    async load() {
      await trackLoad(this, async () => {
        this.view = await api.machines.list.query();
      });
    },
    createJoinToken(input: RouterInputs['machines']['createJoinToken']) {
      return api.machines.createJoinToken.mutate(input);
    },
    async addSsh(input: RouterInputs['machines']['addSsh']) {
      const added = await api.machines.addSsh.mutate(input);
      await this.load();
      return added;
    },
    async trust(name: string, fingerprint?: string) {
      const trusted = await api.machines.trust.mutate({ name, fingerprint });
      await this.load();
      return trusted;
    },
    async revoke(name: string) {
      await api.machines.revoke.mutate({ name });
      await this.load();
    },
    follow() {
      const reload = coalesce(() => this.loaded && void this.load());
      onResync(reload);
      onChange((change) => {
        if (change.entityType === 'machine' || change.entityType === 'run' || change.entityType === 'join_token')
          reload();
      });
    },
  },
});

/** CLIs as the daemon reports them (stored as JSON: `[{name, version, path}]`). */
export function listClis(clis: unknown): Array<{ name: string; version: string | null }> {
  if (!Array.isArray(clis)) return [];
  return clis
    .filter((c) => c && typeof c.name === 'string')
    .map((c) => ({ name: c.name as string, version: typeof c.version === 'string' ? c.version : null }));
}

/** The command a person runs on the new machine. */
/** The options the new machine joins with (name, slots, labels), as command-line words. */
function joinOptions(name: string, slots: number, labels: string[]): string[] {
  const parts: string[] = [];
  if (name.trim()) parts.push('--name', name.trim());
  if (slots > 1) parts.push('--slots', String(slots));
  if (labels.length) parts.push('--labels', labels.join(','));
  return parts;
}

export function joinCommand(origin: string, token: string, name: string, slots: number, labels: string[]): string {
  return ['openase-agent', 'join', origin, token, ...joinOptions(name, slots, labels), '--run'].join(' ');
}

/** Downloads the agent from this control plane, joins, and installs it as a systemd user service. */
export function installCommand(origin: string, token: string, name: string, slots: number, labels: string[]): string {
  return [`curl -fsSL ${origin}/agent/install.sh | sh -s --`, token, ...joinOptions(name, slots, labels)].join(' ');
}
