/**
 * The fleet inside `openase serve`: the hub, the WebSocket server daemons dial into (frames
 * capped at MAX_FRAME_BYTES, `ws` would allow 100 MiB), and — unless disabled — this host's own
 * daemon as machine `local`, supervised over stdio.
 */
import { WebSocketServer } from 'ws';
import { MAX_FRAME_BYTES } from '@openase/shared';
import type { Deps } from '../kernel/context.js';
import type { ServerConfig } from '../server/config.js';
import { FleetHub } from './hub.js';
import { releaseFile } from '../db/release-files.js';
import { localServedElsewhere, startLocalMachine, type LocalMachine } from './local-machine.js';
import { SshConnector } from './ssh-connector.js';

export interface Fleet {
  hub: FleetHub;
  websocketServer: WebSocketServer;
  daemonBundle(): string | null;
  afterListen(url: string, orgId: string): Promise<void>;
  local: LocalMachine | null;
  ssh: SshConnector;
  stop(): Promise<void>;
}

/** The built daemon: OPENASE_AGENT_BUNDLE, or agent-daemon/dist/openase-agent.cjs of this release. */
export function findDaemonBundle(): string | null {
  return process.env.OPENASE_AGENT_BUNDLE || releaseFile('daemonBundle');
}

export async function startFleet(deps: Deps, config: ServerConfig, replicaId: string): Promise<Fleet> {
  // PostgreSQL: a few event-storing transactions in flight (of the pool's 10 connections); PGlite has one connection.
  const hub = new FleetHub(deps, {
    replicaId,
    soleReplica: !config.databaseUrl,
    ingestLanes: config.databaseUrl ? 4 : 1,
  });
  await hub.start();
  const websocketServer = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  const ssh = new SshConnector(deps, hub, { bundle: findDaemonBundle });
  hub.ssh = ssh;
  const fleet: Fleet = {
    ssh,
    hub,
    websocketServer,
    daemonBundle: findDaemonBundle,
    local: null,
    async afterListen(_url, orgId) {
      await ssh.start();
      if (!config.localMachine) return;
      const bundle = findDaemonBundle();
      if (!bundle) {
        deps.log.warn('local machine: the daemon bundle is not built (agent-daemon/dist/openase-agent.cjs); skipping');
        return;
      }
      // Several replicas of one database: one of them serves `local` (docs/operations.md, behind nginx).
      const holder = config.databaseUrl ? await localServedElsewhere(deps, orgId, replicaId) : null;
      if (holder) {
        deps.log.warn(
          `local machine: not started here: control plane ${holder} of this database already serves machine "local", and two daemons as one machine end each other's runs; start the other replicas with --no-local-machine (OPENASE_LOCAL_MACHINE=0) and join build machines`,
        );
        return;
      }
      fleet.local = await startLocalMachine(deps, hub, {
        orgId,
        bundle,
        home: config.home,
        ...(config.localSlots ? { slots: config.localSlots } : {}),
        ...(config.localUnconfined ? { unconfined: true } : {}),
      });
    },
    async stop() {
      ssh.stop();
      await fleet.local?.stop();
      await hub.stop();
      websocketServer.close();
    },
  };
  return fleet;
}
