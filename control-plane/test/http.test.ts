/** The HTTP edge on a real server socket: health, authentication, malformed and oversized input. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/server/serve.js';
import { startTestServer } from './test-server.js';
import { issueToken, revokeToken } from '../src/auth/tokens.js';
import { bootstrapInstance } from '../src/auth/bootstrap.js';
import { postgresUrl } from '@openase/test-kit/databases';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const body = async (res: Response): Promise<any> => res.json();

for (const kind of ['pglite', 'postgres'] as const) {
  describe.skipIf(kind === 'postgres' && !postgresUrl)(`HTTP API [${kind}]`, () => {
    let server: RunningServer;
    let home: string;
    let token: string;
    let stop: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      ({ server, home, token, stop } = await startTestServer('openase-http-', { postgres: kind === 'postgres' }));
    });
    afterAll(async () => {
      await stop?.();
    });

    const call = (p: string, init: RequestInit = {}, bearer: string | null = token) =>
      fetch(`${server.url}${p}`, {
        ...init,
        headers: { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...(init.headers ?? {}) },
      });
    /** POSTs `input` as JSON to tRPC `procedure`, with the admin token or `bearer`. */
    const mutate = (procedure: string, input: unknown, bearer: string | null = token) =>
      call(
        `/trpc/${procedure}`,
        { method: 'POST', body: JSON.stringify(input), headers: { 'content-type': 'application/json' } },
        bearer,
      );

    it('serves health without credentials and refuses everything else with 401', async () => {
      const health = await call('/api/health', {}, null);
      expect(health.status).toBe(200);
      expect(await body(health)).toMatchObject({ ok: true, database: kind });
      for (const route of [
        '/trpc/projects.list',
        '/api/projects/demo/activity/stream',
        '/api/nothing',
        '/trpc/nothing',
        '/agent/ws',
      ]) {
        const res = await call(route, {}, null);
        expect(res.status, route).toBe(401);
      }
    });

    it('writes the local credentials file with mode 0600 and prints a first sign-in link', () => {
      const mode = fs.statSync(path.join(home, 'credentials')).mode & 0o777;
      expect(mode).toBe(0o600);
      expect(server.firstSignInUrl).toMatch(/\/auth\/signin\?code=osl_/);
    });

    it('signs in once with the link and refuses it the second time', async () => {
      const first = await fetch(server.firstSignInUrl!, { redirect: 'manual' });
      expect(first.status).toBe(302);
      const cookies = first.headers.getSetCookie();
      expect(cookies.join(';')).toMatch(/openase_session=oas_.*HttpOnly/i);
      const sessionCookie = cookies.find((c) => c.startsWith('openase_session='))!.split(';')[0]!;
      const csrf = cookies
        .find((c) => c.startsWith('openase_csrf='))!
        .split(';')[0]!
        .split('=')[1]!;
      const me = await fetch(`${server.url}/trpc/auth.whoami`, { headers: { cookie: sessionCookie } });
      expect(me.status).toBe(200);
      // A state change through the cookie needs the CSRF header.
      const body = JSON.stringify({ name: 'Via Cookie' });
      const noCsrf = await fetch(`${server.url}/trpc/projects.create`, {
        method: 'POST',
        body,
        headers: { cookie: sessionCookie, 'content-type': 'application/json' },
      });
      expect(noCsrf.status).toBe(401);
      const withCsrf = await fetch(`${server.url}/trpc/projects.create`, {
        method: 'POST',
        body,
        headers: { cookie: sessionCookie, 'content-type': 'application/json', 'x-csrf-token': csrf },
      });
      expect(withCsrf.status).toBe(200);
      const again = await fetch(server.firstSignInUrl!, { redirect: 'manual' });
      expect(again.status).toBe(401);
      expect(await again.text()).toMatch(/already been used/);
    });

    it('refuses wrong, malformed, revoked and expired tokens with a reason', async () => {
      const { deps } = server;
      const boot = await bootstrapInstance(deps);
      const wrong = token.slice(0, -4) + 'AAAA';
      expect((await body(await call('/trpc/projects.list', {}, wrong))).error.message).toMatch(/not valid/);
      expect((await body(await call('/trpc/projects.list', {}, 'hello'))).error.message).toMatch(/malformed/);
      const revoked = await issueToken(deps.db, deps, boot.adminUserId, { name: 'r', scopes: ['read'] });
      expect((await call('/trpc/projects.list', {}, revoked.token)).status).toBe(200);
      await revokeToken(
        deps,
        {
          type: 'user',
          id: boot.adminUserId,
          name: 'admin',
          orgId: boot.orgId,
          userId: boot.adminUserId,
          role: 'admin',
        },
        revoked.record.id,
      );
      const r = await call('/trpc/projects.list', {}, revoked.token);
      expect(r.status).toBe(401);
      // Not `openase token create`, which needs a working token.
      expect((await body(r)).error.message).toMatch(/revoked; create another in the console .*`openase login`/);
      const pastClock = { now: () => new Date(Date.now() - 3600_000) };
      const expired = await issueToken(deps.db, { ...deps, clock: pastClock }, boot.adminUserId, {
        name: 'e',
        scopes: ['read'],
        expiresInSeconds: 60,
      });
      const e = await call('/trpc/projects.list', {}, expired.token);
      expect(e.status).toBe(401);
      expect((await body(e)).error.message).toMatch(/expired; create another in the console/);
      // A read-only token cannot write.
      const readOnly = await issueToken(deps.db, deps, boot.adminUserId, { name: 'ro', scopes: ['read'] });
      const w = await mutate('projects.create', { name: 'Nope' }, readOnly.token);
      expect(w.status).toBe(403);
      expect((await body(w)).error.data.appCode).toBe('FORBIDDEN');
    });

    it('gives 200 concurrent ticket.create calls over HTTP 200 distinct, gap-free identifiers', async () => {
      await mutate('projects.create', { name: 'Burst', ticketPrefix: 'BURST' });
      const responses = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          mutate('tickets.create', { project: 'burst', title: `t${i}` }).then(body),
        ),
      );
      const numbers = responses.map((r) => r.result.data.number as number).sort((a, b) => a - b);
      expect(numbers).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    });

    it('streams project activity over SSE and resumes after Last-Event-ID', async () => {
      await mutate('projects.create', { name: 'Streamed', ticketPrefix: 'STRM' });
      await mutate('tickets.create', { project: 'streamed', title: 'one' });
      const controller = new AbortController();
      const res = await call('/api/projects/streamed/activity/stream', {
        headers: { 'last-event-id': '1' },
        signal: controller.signal,
      });
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      let text = '';
      const deadline = Date.now() + 10_000;
      let moved = false;
      while (!/"action":"ticket\.moved"/.test(text) && Date.now() < deadline) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
        if (!moved && /"action":"ticket\.created"/.test(text)) {
          moved = true;
          await mutate('tickets.move', { ticket: 'STRM-1', status: 'Todo' });
        }
      }
      controller.abort();
      expect(text).not.toMatch(/"action":"project\.created"/); // seq 1 was skipped by Last-Event-ID
      expect(text).toMatch(/id: 2\n/);
      expect(text).toMatch(/id: 3\n/);
    });

    it('answers a domain error on a plain API route with its status and message', async () => {
      const res = await call('/api/projects/no-such-project/activity/stream');
      expect(res.status).toBe(404);
      expect((await body(res)).error).toMatchObject({
        code: 'NOT_FOUND',
        message: expect.stringMatching(/project "no-such-project" does not exist/),
      });
    });

    it('serves the activity as a resumable tRPC subscription', async () => {
      const input = encodeURIComponent(JSON.stringify({ project: 'strm', lastEventId: '2' }));
      const controller = new AbortController();
      const res = await call(`/trpc/activity.onProject?input=${input}`, { signal: controller.signal });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
      const reader = res.body!.getReader();
      let text = '';
      const deadline = Date.now() + 10_000;
      while (!/id: 3\n/.test(text) && Date.now() < deadline) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      controller.abort();
      expect(text).toMatch(/"action":"ticket\.moved"/);
      expect(text).not.toMatch(/id: 2\n/);
    });

    // Last: after a 413 the server closes the connection mid-upload, which poisons keep-alive reuse.
    it('answers malformed JSON, invalid input and oversized bodies with clear errors', async () => {
      const bad = await call('/trpc/projects.create', {
        method: 'POST',
        body: '{"name": ',
        headers: { 'content-type': 'application/json' },
      });
      expect(bad.status).toBe(400);
      const invalid = await mutate('tickets.create', { project: 'x', title: 'y'.repeat(600) });
      expect(invalid.status).toBe(400);
      const invalidBody = (await body(invalid)) as { error: { message: string; data: { appCode: string } } };
      expect(invalidBody.error.data.appCode).toBe('VALIDATION_FAILED');
      expect(invalidBody.error.message).toMatch(/title: a title has at most 500 characters/);
      const huge = await mutate('projects.create', { name: 'x'.repeat(2_000_000) });
      expect(huge.status).toBe(413);
      // The server is still healthy for everyone else.
      expect((await call('/trpc/projects.list')).status).toBe(200);
    });
  });
}
