/**
 * What the daemon tells the control plane about its machine and the runs it holds: the `hello` that opens
 * a connection and the periodic `heartbeat` (load, free disk, agent CLIs, the command checks).
 */
import fs from 'node:fs';
import os from 'node:os';
import { PROTOCOL_VERSION, type DaemonFrame } from '@openase/shared/protocol/messages';
import type { HeldRun } from './runs/held-run.js';
import type { CliInfo, CommandChecks } from './inventory.js';
import { DAEMON_VERSION } from './version.js';

/** The first frame on a connection: this machine and the runs held here (continued or killed by the welcome). */
export function helloFrame(machine: {
  labels: string[];
  slots: number;
  clis: CliInfo[];
  held: HeldRun[];
}): DaemonFrame {
  return {
    type: 'hello',
    protocol: PROTOCOL_VERSION,
    version: DAEMON_VERSION,
    hostname: os.hostname(),
    os: process.platform,
    arch: process.arch,
    labels: machine.labels,
    slots: machine.slots,
    clis: machine.clis,
    running: machine.held.map((r) => ({
      runId: r.runId,
      leaseEpoch: r.state.leaseEpoch,
      lastSeq: r.spool.lastSeq,
      ...(r.finished ? { finished: true } : {}),
    })),
  };
}

export function heartbeatFrame(machine: {
  home: string;
  clis: CliInfo[];
  commands: CommandChecks;
  held: HeldRun[];
}): DaemonFrame {
  return {
    type: 'heartbeat',
    slotsUsed: machine.held.filter((r) => !r.finished).length,
    load: os.loadavg()[0],
    ...diskFree(machine.home),
    clis: machine.clis,
    commands: machine.commands.report(),
    runs: machine.held.map((r) => ({ runId: r.runId, leaseEpoch: r.state.leaseEpoch })),
  };
}

function diskFree(dir: string): { diskFreeBytes?: number } {
  try {
    const st = fs.statfsSync(dir);
    return { diskFreeBytes: st.bavail * st.bsize };
  } catch {
    return {};
  }
}
