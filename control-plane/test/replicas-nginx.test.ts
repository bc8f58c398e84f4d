/**
 * The documented way to scale (docs/operations.md): Debian's nginx, configured by
 * deploy/nginx.conf, in front of three control planes on one PostgreSQL. Through the proxy: the
 * health check, the console, the live activity stream (SSE, unbuffered), and a real daemon's
 * WebSocket. The replica holding that WebSocket is killed with SIGKILL while a run streams; the
 * daemon reconnects through nginx to another replica and the run completes with every line
 * stored exactly once, in order; so does a run through a rolling restart of all three.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApiClient } from '../src/cli/client.js';
import {
  linesRun,
  outputLines,
  startJoinedAgent,
  tempDir,
  waitFor,
  waitMachineOnline,
  waitRun,
  useReplicas,
  type ControlPlane,
  type Proc,
} from '@openase/test-kit/fleet-harness';
import { postgresUrl } from '@openase/test-kit/databases';
import { nginxAvailable, startNginx, type Nginx } from '@openase/test-kit/nginx';

vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

const LINES = 300;

describe.skipIf(!postgresUrl || !nginxAvailable)('three control planes behind nginx [postgres]', () => {
  const cluster = useReplicas('nginx-cp-', ['a', 'b', 'c']);
  const replicas = cluster.list;
  let nginx: Nginx;
  let edge: ControlPlane;
  let daemon: Proc | null = null;
  const scripts = tempDir('nginx-scripts');

  beforeAll(async () => {
    nginx = await startNginx(replicas.map((r) => r.port));
    // What an operator and a browser see: the proxy's address; any replica's token works on all.
    const token = replicas[0]!.token;
    edge = { ...replicas[0]!, url: nginx.url, token, api: createApiClient({ url: nginx.url, token }) };
  });
  afterAll(async () => {
    await daemon?.kill();
    await nginx?.stop();
    fs.rmSync(scripts, { recursive: true, force: true });
  });

  it('serves the console, health and the live stream through the proxy', async () => {
    const health = await fetch(`${nginx.url}/api/health`);
    expect(((await health.json()) as { ok: boolean }).ok).toBe(true);
    expect(health.headers.get('x-request-id')).toBeTruthy();
    expect(await (await fetch(`${nginx.url}/`)).text()).toContain('<title>OpenASE</title>');

    await edge.api.projects.create.mutate({ name: 'Proxied', ticketPrefix: 'PRX' });
    const aborter = new AbortController();
    const stream = await fetch(`${nginx.url}/api/projects/proxied/activity/stream`, {
      headers: { authorization: `Bearer ${edge.token}`, accept: 'text/event-stream' },
      signal: aborter.signal,
    });
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    const reader = stream.body!.getReader();
    // Created through a replica directly: relayed to the stream's replica, then through nginx at once.
    await replicas[2]!.api.tickets.create.mutate({ project: 'proxied', title: 'seen live through the proxy' });
    let text = '';
    await waitFor('the live stream to carry the new ticket', async () => {
      const { value } = await reader.read();
      text += new TextDecoder().decode(value);
      return text.includes('PRX-1');
    });
    aborter.abort();
  });

  it('keeps a run whole when the replica holding its daemon is killed with SIGKILL', async () => {
    daemon = await startJoinedAgent(edge, 'behind-proxy', { slots: 1 });
    await waitMachineOnline(edge.api, 'behind-proxy', 'the daemon online through nginx');
    const holder = await waitFor('the replica holding the daemon', () =>
      replicas.find((r) => /behind-proxy connected/.test(r.proc.output)),
    );

    const lines = linesRun(scripts, LINES, LINES / 3);
    // Started through a replica that does not hold the daemon: the holder offers it (relayed activity).
    // Before run.started carried the machine, such a run stayed queued.
    const run = await replicas
      .find((r) => r !== holder)!
      .api.runs.start.mutate({
        machine: 'behind-proxy',
        command: lines.command,
      });
    await waitFor(
      'the first third stored',
      async () => (await outputLines(edge.api, run.id)).length >= LINES / 3,
      30_000,
    ).catch(async (err: Error) => {
      throw new Error(
        `${err.message}; run ${JSON.stringify(await edge.api.runs.show.query({ run: run.id }))}\n${daemon?.output}`,
      );
    });

    await holder.proc.kill('SIGKILL');
    lines.open(1); // printed while the daemon has no control plane: spooled, sent on reconnect
    const survivors = replicas.filter((r) => r !== holder);
    await waitFor('the daemon reconnected to another replica through nginx', () =>
      survivors.some((r) => /behind-proxy connected/.test(r.proc.output)),
    );
    lines.open(2);
    await waitRun(edge.api, run.id, 'succeeded', 'the run to succeed');
    expect(await outputLines(edge.api, run.id)).toEqual(lines.printed);
  });

  it('keeps a run whole through a rolling restart of all three replicas', async () => {
    const lines = linesRun(scripts, LINES, LINES / 4, 'rolling');
    const run = await edge.api.runs.start.mutate({ machine: 'behind-proxy', command: lines.command });
    await waitFor('the first quarter stored', async () => (await outputLines(edge.api, run.id)).length >= LINES / 4);
    for (let i = 0; i < replicas.length; i++) {
      // SIGTERM: the replica drains (health 503, nginx moves on), then comes back on its port.
      await replicas[i]!.proc.kill('SIGTERM');
      await cluster.start(i, replicas[i]!.port);
      lines.open(i + 1);
      await waitMachineOnline(edge.api, 'behind-proxy', 'the daemon online');
    }
    await waitRun(edge.api, run.id, 'succeeded', 'the run to succeed');
    expect(await outputLines(edge.api, run.id)).toEqual(lines.printed);
  });
});
