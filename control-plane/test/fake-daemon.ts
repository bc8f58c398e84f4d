/**
 * A daemon played by a test frame by frame against a real FleetHub (its hello, its session), and the orchestrator
 * that offers it runs.
 */
import { PROTOCOL_VERSION } from '@openase/shared';
import type { FleetHub } from '../src/fleet/hub.js';
import type { Deps } from '../src/kernel/context.js';
import { Orchestrator } from '../src/orchestrator/orchestrator.js';
import { MemorySink } from './frame-sink.js';

interface HelloOptions {
  labels?: string[];
  slots?: number;
  clis?: object[];
  running?: Array<{ runId: string; leaseEpoch: number; lastSeq: number }>;
}

/** The hello of a test daemon on linux/x64 as sent on the wire: one slot, no labels, CLIs or runs unless said. */
export function helloFrame(o: HelloOptions = {}): string {
  return JSON.stringify({
    type: 'hello',
    protocol: PROTOCOL_VERSION,
    version: 'test',
    hostname: 'box',
    os: 'linux',
    arch: 'x64',
    labels: o.labels ?? [],
    slots: o.slots ?? 1,
    clis: o.clis ?? [],
    running: o.running ?? [],
  });
}

/** A session of `machine` on `hub`: every frame the hub sends lands in `frames`; `send` answers with one. */
export function fakeDaemon(hub: FleetHub, machine: { id: string; name: string }) {
  const sink = new MemorySink();
  const conn = hub.connect(machine, sink);
  return { frames: sink.frames, conn, send: (frame: object) => conn.receive(JSON.stringify(frame)) };
}

/** The control plane's address in the jobs the test orchestrator offers. */
export const PLATFORM_URL = 'http://cp.test:19836';

/** An orchestrator for `hub` that always leads and does not sweep during a test, started. */
export function startOrchestrator(deps: Deps, hub: FleetHub): Orchestrator {
  const orchestrator = new Orchestrator(deps, hub, {
    platformUrl: PLATFORM_URL,
    isLeader: () => true,
    sweepIntervalMs: 3_600_000,
  });
  hub.setAgentRuns(orchestrator.hooks);
  orchestrator.start();
  return orchestrator;
}
