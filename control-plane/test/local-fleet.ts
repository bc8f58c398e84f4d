/**
 * What the end-to-end tests on one host share: the bundles built, a control plane whose machine
 * `local` (a real daemon on this host) is online, bare git remotes removed after the file, the
 * CLI against the server, and projects whose agent is the in-repo stand-in following a script
 * (test-kit/src/stand-in-agent.mjs). `useLocalFleet` registers the hooks.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, vi } from 'vitest';
import { createTestRemote, type TestRemote } from '@openase/test-kit/git-remote';
import { createMigratedPostgres } from '@openase/test-kit/databases';
import { STAND_IN_AGENT } from '@openase/test-kit/stand-in';
import { CP_BUNDLE, tempDir, useControlPlane, waitFor, type ControlPlane } from '@openase/test-kit/fleet-harness';

export const STAND_IN = STAND_IN_AGENT;
/** The `openase` wrapper a daemon puts in each run's workspace, as a stand-in script's shell command. */
export const WORKSPACE_CLI = '"$OPENASE_WORKSPACE/.openase/bin/openase"';
/** A repository whose `npm test` passes. */
export const PASSING_TESTS = {
  'README.md': '# app\n',
  'package.json': JSON.stringify({ name: 'app', private: true, scripts: { test: 'node check.js' } }),
  'check.js': "console.log('1 test passed');\n",
};

type Machine = Awaited<ReturnType<ControlPlane['api']['machines']['show']['query']>>;

export interface LocalFleetOptions {
  /** The data dir's name prefix. */
  name: string;
  /** Run on a scratch PostgreSQL database (dropped after) instead of the embedded one. */
  postgres?: boolean;
  /** The server's extra environment, made just before it starts (after any earlier `beforeAll`). */
  env?: () => NodeJS.ProcessEnv | Promise<NodeJS.ProcessEnv>;
  /** When machine `local` counts as ready (default: online). */
  ready?: (local: Machine) => boolean;
}

export interface LocalFleet {
  /** The running control plane (from the first `beforeAll` on). */
  readonly cp: ControlPlane;
  /** A bare git remote with one commit of `files` on main, removed after the file. */
  remote(files?: Record<string, string>): TestRemote;
  /** The openase CLI against the server, as its admin. */
  cli(args: string[], env?: NodeJS.ProcessEnv): { code: number | null; out: string; err: string };
  /** Waits until `ticket` is in the status `name` (the server's last output in the failure). */
  until(ticket: string, name: string): Promise<unknown>;
  /** A project with repository `app` at `repoUrl` and agent `stand-in` following `script`. */
  project(p: { name: string; slug?: string; ticketPrefix: string; repoUrl: string; script: object }): Promise<void>;
}

/** The stand-in agent following `script`, as the `custom` adapter's command. */
export function standInAgent(script: object) {
  return {
    adapter: 'custom' as const,
    command: process.execPath,
    args: [STAND_IN],
    env: { STAND_IN_SCRIPT_JSON: JSON.stringify(script) },
  };
}

export function useLocalFleet(opts: LocalFleetOptions): LocalFleet {
  vi.setConfig({ testTimeout: 240_000, hookTimeout: 180_000 });
  let databaseUrl: string | null = null;
  let drop: (() => Promise<void>) | undefined;
  const remotes: TestRemote[] = [];
  beforeAll(async () => {
    if (opts.postgres) {
      const scratch = await createMigratedPostgres();
      databaseUrl = scratch.url;
      drop = scratch.drop;
    }
  });
  // Registered first, so run last: after the control plane is stopped.
  afterAll(async () => {
    await drop?.();
    for (const r of remotes) r.cleanup();
  });
  const cp = useControlPlane(tempDir(opts.name), async () => ({
    localMachine: true,
    databaseUrl,
    env: await opts.env?.(),
  }));
  const running = (): ControlPlane => {
    if (!cp.proc) throw new Error('the control plane is not running');
    return cp;
  };
  beforeAll(async () => {
    const ready = opts.ready ?? ((m: Machine) => m.status === 'online');
    await waitFor(
      () => `machine local ready\n${running().proc.output}`,
      async () => ready(await running().api.machines.show.query({ name: 'local' })),
    );
  });

  return {
    get cp() {
      return running();
    },
    remote(files) {
      const remote = createTestRemote(files);
      remotes.push(remote);
      return remote;
    },
    cli(args, env = {}) {
      const r = spawnSync(process.execPath, [CP_BUNDLE, ...args], {
        encoding: 'utf8',
        env: { ...process.env, OPENASE_URL: running().url, OPENASE_TOKEN: running().token, ...env },
      });
      return { code: r.status, out: r.stdout, err: r.stderr };
    },
    until(ticket, name) {
      const server = running();
      return waitFor(
        () => `${ticket} in ${name}\n${server.proc.output.slice(-3000)}`,
        async () => (await server.api.tickets.show.query({ ticket })).status.name === name,
      );
    },
    async project(p) {
      const { api } = running();
      const project = await api.projects.create.mutate({ name: p.name, slug: p.slug, ticketPrefix: p.ticketPrefix });
      await api.repositories.add.mutate({ project: project.slug, name: 'app', url: p.repoUrl, defaultBranch: 'main' });
      await api.agents.create.mutate({ project: project.slug, name: 'stand-in', ...standInAgent(p.script) });
    },
  };
}
