import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyServer } from '@openase/test-kit/loopback-http';
import { httpFetch } from './http-fetch.js';

describe('httpFetch: the CLI transport without undici', () => {
  let server: http.Server;
  let url: string;
  beforeAll(async () => {
    server = bodyServer((req, body, res) => {
      const status = req.url === '/missing' ? 404 : 200;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ method: req.method, url: req.url, auth: req.headers.authorization, body }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('sends the method, headers and a UTF-8 body, and reads the JSON answer', async () => {
    const res = await httpFetch(`${url}/trpc/x?batch=1`, {
      method: 'POST',
      headers: { authorization: 'Bearer t', 'content-type': 'application/json', skipped: undefined },
      body: '{"title":"naïve ✓"}',
    });
    expect(res.ok).toBe(true);
    expect(await res.json()).toEqual({
      method: 'POST',
      url: '/trpc/x?batch=1',
      auth: 'Bearer t',
      body: '{"title":"naïve ✓"}',
    });
    const missing = await httpFetch(new URL(`${url}/missing`));
    expect([missing.ok, missing.status]).toEqual([false, 404]);
  });

  it("rejects with the connection's own error code when nothing answers", async () => {
    await expect(httpFetch('http://127.0.0.1:1/trpc')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
