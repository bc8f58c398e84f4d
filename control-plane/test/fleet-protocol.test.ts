/**
 * Hostile and confused clients on /agent/ws: malformed JSON, unknown types, frames before hello,
 * oversized frames, wrong credentials, a second session with the same credential. Each is refused
 * with a clear error (closing where needed) while another machine's session and run carry on.
 */
import fs from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

// Real processes on a shared 2-core machine: generous limits; every wait inside is on a condition.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 120_000 });
import { AGENT_ERROR_HEADER, CLOSE_CODES, MAX_FRAME_BYTES, PROTOCOL_VERSION } from '@openase/shared';
import {
  helloFrame,
  joinMachine,
  linesRun,
  outputLines,
  startJoinedAgent,
  tempDir,
  useControlPlane,
  waitFor,
  waitMachineOnline,
  waitRun,
  type Proc,
} from '@openase/test-kit/fleet-harness';

/** A raw protocol client that records what it receives and how it closed. */
class RawClient {
  frames: Array<{ type: string; code?: string; message?: string }> = [];
  closed: Promise<{ code: number; reason: string }>;
  opened: Promise<void>;
  constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => this.frames.push(JSON.parse(d.toString())));
    this.closed = new Promise((r) => ws.on('close', (code, reason) => r({ code, reason: reason.toString() })));
    this.opened = new Promise((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.on('error', () => {});
  }
  send(value: unknown) {
    this.ws.send(typeof value === 'string' ? value : JSON.stringify(value));
  }
  async next(type: string) {
    return waitFor(`a ${type} frame`, () => this.frames.find((f, i) => f.type === type && this.frames.splice(i, 1)));
  }
}

const hello = helloFrame('raw', 'test');

describe('protocol abuse on /agent/ws', () => {
  const cp = useControlPlane(tempDir('cp-abuse'));
  let steady: Proc;
  let rawCredential: string;
  const wsUrl = () => `${cp.url.replace('http', 'ws')}/agent/ws`;
  const connect = (credential: string | null) =>
    new RawClient(new WebSocket(wsUrl(), credential ? { headers: { authorization: `Bearer ${credential}` } } : {}));

  beforeAll(async () => {
    steady = await startJoinedAgent(cp, 'steady', { slots: 1 });
    const rawHome = await joinMachine(cp, 'raw', { slots: 1 });
    rawCredential = JSON.parse(fs.readFileSync(path.join(rawHome, 'credential.json'), 'utf8')).credential;
    await waitMachineOnline(cp.api, 'steady', 'steady online');
  });
  afterAll(async () => {
    await steady?.kill('SIGKILL');
  });

  it('refuses bad frames with clear errors, and another machine is not disturbed', async () => {
    const steadyBefore = await cp.api.machines.show.query({ name: 'steady' });
    const lines = linesRun(tempDir('scripts'), 300, 100);
    const run = await cp.api.runs.start.mutate({ machine: 'steady', command: lines.command });
    await waitRun(cp.api, run.id, (r) => r.ackedSeq >= 100, 'steady run started');

    const raw = connect(rawCredential);
    await raw.opened;
    raw.send('{"type": "hello"');
    expect(await raw.next('error')).toMatchObject({
      code: 'malformed_frame',
      message: expect.stringMatching(/not JSON/),
    });
    raw.send({ type: 'launch.missiles' });
    expect(await raw.next('error')).toMatchObject({
      code: 'unknown_type',
      message: 'unknown frame type "launch.missiles"',
    });
    const forged = {
      type: 'run.events',
      runId: run.id,
      leaseEpoch: 1,
      events: [{ seq: 101, ts: 0, event: { type: 'output', stream: 'stdout', text: 'forged' } }],
    };
    raw.send(forged);
    expect(await raw.next('error')).toMatchObject({ code: 'not_ready' });
    raw.send({ ...hello, slots: 0 });
    expect(await raw.next('error')).toMatchObject({
      code: 'malformed_frame',
      message: expect.stringMatching(/invalid hello frame: slots/),
    });
    raw.send(hello);
    await raw.next('welcome');
    // Another machine's run: refused, nothing stored.
    raw.send(forged);
    expect(await raw.next('error')).toMatchObject({ code: 'unknown_run' });
    raw.send({ type: 'run.finished', runId: run.id, leaseEpoch: 1, lastSeq: 0, exitCode: 0, signal: null });
    expect(await raw.next('error')).toMatchObject({ code: 'unknown_run' });
    // Oversized: the socket is closed (1009, message too big) without reading it whole.
    raw.send(JSON.stringify({ type: 'heartbeat', pad: 'x'.repeat(MAX_FRAME_BYTES) }));
    expect((await raw.closed).code).toBe(1009);

    for (let k = 1; k <= 2; k++) lines.open(k);
    const done = await waitRun(cp.api, run.id, 'succeeded', 'steady run succeeded');
    expect(done.exitCode).toBe(0);
    expect(await outputLines(cp.api, run.id)).toEqual(lines.printed);
    const steadyAfter = await cp.api.machines.show.query({ name: 'steady' });
    expect(steadyAfter.status).toBe('online');
    expect(String(steadyAfter.connectedAt)).toBe(String(steadyBefore.connectedAt));
  });

  it('refuses missing, malformed and wrong credentials before the upgrade, saying why', async () => {
    const refusal = async (credential: string | null) => {
      const ws = new WebSocket(wsUrl(), credential ? { headers: { authorization: `Bearer ${credential}` } } : {});
      return new Promise<{ status: number; reason: string }>((resolve) => {
        ws.on('unexpected-response', (_req, res) => {
          resolve({ status: res.statusCode!, reason: String(res.headers[AGENT_ERROR_HEADER]) });
          ws.terminate();
        });
        ws.on('error', () => {});
      });
    };
    expect(await refusal(null)).toMatchObject({
      status: 401,
      reason: expect.stringMatching(/Authorization: Bearer oam_/),
    });
    expect(await refusal('oam_nope')).toMatchObject({ status: 401, reason: expect.stringMatching(/malformed/) });
    expect(await refusal(`${rawCredential.slice(0, -4)}AAAA`)).toMatchObject({
      status: 401,
      reason: 'the machine credential is not valid',
    });
    expect(await refusal('oat_000000000000_aaaaaaaaaaaaaaaaaaaaaaaaaaaa')).toMatchObject({ status: 401 });
  });

  it('a second session of one machine replaces the first (4409, logged), and the stale close clears nothing', async () => {
    const first = connect(rawCredential);
    await first.opened;
    first.send(hello);
    await first.next('welcome');
    const second = connect(rawCredential);
    await second.opened;
    second.send(hello);
    await second.next('welcome');
    expect(await first.closed).toMatchObject({ code: CLOSE_CODES.replaced });
    await waitFor('clone warning logged', () =>
      /raw: a new session replaced the open one .*cloned/.test(cp.proc.output),
    );
    // The old socket's close came after the new session: the machine is still connected.
    const shown = await cp.api.machines.show.query({ name: 'raw' });
    expect(shown.status).toBe('online');
    second.send({ type: 'heartbeat', slotsUsed: 0, runs: [] });
    second.ws.close();
    await second.closed;
    await waitFor(
      'raw disconnected',
      async () => (await cp.api.machines.show.query({ name: 'raw' })).status === 'disconnected',
    );
    expect((await cp.api.machines.show.query({ name: 'steady' })).status).toBe('online');
  });

  it('tells a daemon speaking another protocol version to upgrade, and closes with 4426', async () => {
    const client = connect(rawCredential);
    await client.opened;
    client.send({ ...hello, protocol: PROTOCOL_VERSION + 1 });
    expect(await client.next('error')).toMatchObject({
      code: 'unsupported_version',
      message: expect.stringMatching(/upgrade the daemon/),
    });
    expect((await client.closed).code).toBe(CLOSE_CODES.unsupportedVersion);
  });
});
