/**
 * The browser's side of the documented way to scale (docs/operations.md): Chromium opens the
 * console through Debian's nginx (deploy/nginx.conf) in front of three control planes on one
 * PostgreSQL, and watches a ticket's run live in the drawer while a real daemon runs its agent.
 * The replica serving the drawer's live transcript is killed with SIGKILL, then all three are
 * restarted one by one with the run still in flight, and last all three are down at once (nginx
 * answers the browser's reconnect with 502, and its EventSource gives up): the transcript resumes
 * through nginx each time and ends with every message once, in order (control-plane/test/replicas-nginx.test.ts
 * covers the daemon's side with the typed client).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApiClient } from '@openase/control-plane/cli/client';
import {
  numbered,
  openGate,
  startJoinedAgent,
  tempDir,
  waitFor,
  useReplicas,
  type ControlPlane,
  type Proc,
} from '@openase/test-kit/fleet-harness';
import { postgresUrl } from '@openase/test-kit/databases';
import { nginxAvailable, startNginx, type Nginx } from '@openase/test-kit/nginx';
import { createOneTurnAgent } from '@openase/test-kit/one-turn-agents';
import { launchBrowser, repoRoot, screenshotDir } from './harness';

vi.setConfig({ testTimeout: 240_000, hookTimeout: 180_000 });

const MESSAGES = 70;
const STAGE = 10;

/**
 * A `custom`-adapter agent saying `count` messages ("line 1"…); before message k·every+1 it waits
 * for the file `<gate>.<k>`, so the test acts while the run is at a known point.
 */
function messagesAgent(dir: string): string {
  const file = path.join(dir, 'messages-agent.cjs');
  fs.writeFileSync(
    file,
    `const fs = require('fs');
const [count, every, gate] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4]];
for (let i = 1; i <= count; i++) {
  if (i > 1 && (i - 1) % every === 0) {
    const k = (i - 1) / every;
    while (!fs.existsSync(gate + '.' + k)) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
  process.stdout.write(JSON.stringify({ type: 'message', role: 'assistant', text: 'line ' + i }) + '\\n');
}
`,
  );
  return file;
}

describe.skipIf(!postgresUrl || !nginxAvailable)('the console behind nginx, three replicas [postgres]', () => {
  let nginx: Nginx;
  let daemon: Proc | null = null;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  const scripts = tempDir('nginx-browser');
  const gate = path.join(scripts, 'gate');
  // Debug level: each replica logs the requests it serves, so the test knows who holds the stream.
  const env = { OPENASE_WEB_DIST: path.join(repoRoot, 'web', 'dist'), OPENASE_LOG_LEVEL: 'debug' };
  const cluster = useReplicas('nginx-browser-cp-', ['a', 'b', 'c'], env);
  const replicas = cluster.list;

  /** The transcript's messages as the drawer shows them. */
  const shown = () => page.locator('[data-test=transcript] [data-kind=message]').allTextContents();
  const lines = async () => (await shown()).map((t) => t.replace(/^\s*assistant\s*/, '').trim());
  let seen: string[] = [];
  const showsUpTo = (n: number) =>
    waitFor(
      () => `the drawer to show line ${n} (it shows ${seen.length} messages, last ${seen.at(-1)})`,
      async () => (seen = await lines()).includes(`line ${n}`),
      60_000,
    ).catch(async (err: Error) => {
      const drawer = await page.locator('[data-test=drawer]').textContent();
      throw new Error(`${err.message}\ndrawer: ${drawer?.slice(0, 600)}\ndaemon: ${daemon?.output.slice(-2000)}`);
    });
  /** SIGTERM and wait for the replica to drain and exit: a replica still there after 30 s fails with its log. */
  const drain = async (r: ControlPlane) => {
    await r.proc.kill('SIGTERM', { withinMs: 30_000 });
    // It drained by itself, not by the shutdown deadline (its log would name the stage that hung).
    if (/shutdown did not finish/.test(r.proc.output))
      throw new Error(`replica ${r.url} hit its shutdown deadline:\n${r.proc.output.slice(-3000)}`);
    // Something a request left behind held the stopped process (it exits anyway, 2 s later): say what.
    const held = /stopped, but the process was still held by: [^"]*/.exec(r.proc.output);
    if (held) console.warn(`replica ${r.url}: ${held[0]}`);
  };
  /** The replicas whose log shows they served the run's live transcript since `marks`. */
  const streamingFrom = (marks: number[]) =>
    replicas.filter((r, i) => r.proc.output.slice(marks[i]).includes('/trpc/runs.onEvents'));

  beforeAll(async () => {
    fs.mkdirSync(screenshotDir, { recursive: true });
    nginx = await startNginx(replicas.map((r) => r.port));
    const edge = {
      ...replicas[0]!,
      url: nginx.url,
      api: createApiClient({ url: nginx.url, token: replicas[0]!.token }),
    };

    daemon = await startJoinedAgent(edge, 'browser-box', { slots: 1 });
    const api = edge.api;
    await api.projects.create.mutate({ name: 'Watched', ticketPrefix: 'WAT' });
    await createOneTurnAgent(api, 'watched', {
      name: 'talker',
      args: [messagesAgent(scripts), String(MESSAGES), String(STAGE), gate],
      workflow: 'talk',
      finish: 'In Review',
      prompt: 'Talk.',
    });

    browser = await launchBrowser();
    browser.context.setDefaultTimeout(20_000);
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    // The first replica's one-time sign-in link, followed through the proxy.
    const link = /https?:\/\/\S+(\/auth\/signin\?code=\S+)/.exec(replicas[0]!.proc.output)?.[1];
    if (!link) throw new Error(`no sign-in link in the first replica's output:\n${replicas[0]!.proc.output}`);
    await page.goto(`${nginx.url}${link}`);
    await page.waitForURL(/\/p\/watched\/board|\/projects/);
  });
  afterEach(async (ctx) => {
    if (ctx.task.result?.state !== 'fail') return;
    await page?.screenshot({ path: path.join(screenshotDir, 'failed-replicas-nginx.png') }).catch(() => {});
    // What each replica and the daemon said: a failure here is a race, and its logs are what tells it.
    const logs = replicas.map((r, i) => `--- replica ${i} (${r.url})\n${r.proc.output.slice(-20_000)}`);
    fs.writeFileSync(
      path.join(screenshotDir, 'failed-replicas-nginx.log'),
      [...logs, `--- daemon\n${daemon?.output.slice(-20_000) ?? ''}`].join('\n'),
    );
    const said = (out: string) =>
      out
        .split('\n')
        .filter((l) => /offer|accept|dispatch|reject|stale|"level":(40|50)|error/i.test(l))
        .slice(-30)
        .join('\n');
    console.error(replicas.map((r, i) => `--- replica ${i}\n${said(r.proc.output)}`).join('\n'));
    console.error(`--- daemon\n${said(daemon?.output ?? '')}`);
  });
  afterAll(async () => {
    await browser?.close();
    await daemon?.kill();
    await nginx?.stop();
    fs.rmSync(scripts, { recursive: true, force: true });
  });

  it('resumes the drawer live transcript after SIGKILL and a rolling restart, every message once', async () => {
    const api = createApiClient({ url: nginx.url, token: replicas[0]!.token });
    const ticket = await api.tickets.create.mutate({ project: 'watched', title: 'Say seventy lines' });
    let marks = replicas.map((r) => r.proc.output.length);
    await page.goto(`${nginx.url}/p/watched/board/${ticket.identifier}`);
    await api.tickets.move.mutate({ ticket: ticket.identifier, status: 'Todo' });
    const drawer = page.locator('[data-test=drawer]');
    await drawer.locator('[data-test=transcript-live]').waitFor({ timeout: 90_000 });
    // The project has no repository: the Changes section says so in words, not as an error to retry.
    await drawer.locator('[data-test=diff-no-repository]').waitFor();
    expect(await drawer.locator('[data-test=changes]').textContent()).not.toMatch(/Try again|openase repo/);
    await showsUpTo(STAGE);

    // SIGKILL the replica holding the drawer's stream; the browser reconnects through nginx.
    const [holder] = await waitFor('the replica serving the live transcript', () => {
      const serving = streamingFrom(marks);
      return serving.length === 1 ? serving : undefined;
    });
    const killed = replicas.indexOf(holder!);
    marks = replicas.map((r) => r.proc.output.length);
    await holder!.proc.kill('SIGKILL');
    openGate(gate, 1);
    await showsUpTo(2 * STAGE);
    expect(streamingFrom(marks).filter((r) => r !== holder).length).toBeGreaterThan(0);
    await cluster.start(killed, holder!.port);

    // Rolling restart: SIGTERM each replica in turn (it drains), back on its port, more said meanwhile.
    for (let i = 0; i < replicas.length; i++) {
      await drain(replicas[i]!);
      await cluster.start(i, replicas[i]!.port);
      openGate(gate, i + 2);
      await showsUpTo((i + 3) * STAGE);
    }

    // All three down at once: nginx answers the EventSource's reconnect with 502, on which the
    // browser closes it for good; the console subscribes again from the last event it showed.
    const refused = page.waitForResponse((r) => r.url().includes('/trpc/runs.onEvents') && r.status() === 502, {
      timeout: 30_000,
    });
    await Promise.all(replicas.map(drain));
    await refused;
    for (let i = 0; i < replicas.length; i++) await cluster.start(i, replicas[i]!.port);
    openGate(gate, 5);
    await showsUpTo(6 * STAGE);
    expect(streamingFrom(replicas.map(() => 0)).length).toBeGreaterThan(0);

    openGate(gate, 6);
    await waitFor(
      'the drawer to show the run ended',
      // The agent never moves its ticket, so its one turn ends the run as failed: what counts here
      // is that the drawer learnt it live and that the transcript is whole.
      async () => (await drawer.locator('[data-test=run]').first().getAttribute('data-run-state')) === 'failed',
    ).catch(async (err: Error) => {
      const runs = (await api.runs.list.query({ machine: 'browser-box' })).items;
      throw new Error(
        `${err.message}\nruns: ${JSON.stringify(runs)}\nshown: ${(await lines()).length}\n` +
          `drawer: ${(await drawer.textContent())?.slice(0, 800)}\ndaemon: ${daemon?.output.slice(-1500)}`,
      );
    });
    await showsUpTo(MESSAGES);
    // Every message exactly once, in order, in the very page that watched it all.
    expect(await lines()).toEqual(numbered(MESSAGES));
    await page.screenshot({ path: path.join(screenshotDir, '60-run-through-replica-restarts.png') });
  });
});
