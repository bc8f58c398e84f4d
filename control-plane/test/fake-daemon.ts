/** A daemon played by a test frame by frame against a real FleetHub: its hello, its session. */
import { PROTOCOL_VERSION } from '@openase/shared';
import type { FleetHub } from '../src/fleet/hub.js';
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
