import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { Hono } from 'hono';
import { afterAll, describe, expect, it } from 'vitest';
import { serveConsole } from './console.js';

const dist = fs.mkdtempSync(path.join(os.tmpdir(), 'openase-console-'));
const script = `console.log(${JSON.stringify('x'.repeat(4000))});`;
fs.mkdirSync(path.join(dist, 'assets'));
fs.writeFileSync(path.join(dist, 'index.html'), '<!doctype html><div id="app"></div>');
fs.writeFileSync(path.join(dist, 'assets', 'index-abc123.js'), script);
fs.writeFileSync(path.join(dist, 'assets', 'index-abc123.js.br'), zlib.brotliCompressSync(script));
fs.writeFileSync(path.join(dist, 'assets', 'index-abc123.js.gz'), zlib.gzipSync(script));
afterAll(() => fs.rmSync(dist, { recursive: true, force: true }));

const app = new Hono();
serveConsole(app, dist);

describe('the console', () => {
  it('serves hashed assets precompressed with an immutable cache lifetime', async () => {
    const br = await app.request('/assets/index-abc123.js', { headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(br.status).toBe(200);
    expect(br.headers.get('content-encoding')).toBe('br');
    expect(br.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(zlib.brotliDecompressSync(Buffer.from(await br.arrayBuffer())).toString()).toBe(script);
    const gz = await app.request('/assets/index-abc123.js', { headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    const plain = await app.request('/assets/index-abc123.js');
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(await plain.text()).toBe(script);
  });

  it('answers a missing asset with a 404 that is not cached (never index.html)', async () => {
    const res = await app.request('/assets/index-gone999.js');
    expect(res.status).toBe(404);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('serves index.html with no-cache for client routes', async () => {
    for (const route of ['/', '/projects', '/p/demo/board/DEMO-1?view=list', '/signin']) {
      const res = await app.request(route);
      expect(res.status, route).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(await res.text()).toContain('<div id="app">');
    }
  });

  it('never answers API prefixes with the app', async () => {
    for (const route of ['/api/nothing', '/trpc/nothing', '/agent/x', '/auth/nothing', '/api']) {
      const res = await app.request(route);
      expect(res.status, route).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/json/);
    }
  });

  it('explains how to build the console when it is missing', async () => {
    const bare = new Hono();
    serveConsole(bare, path.join(dist, 'nope'));
    const res = await bare.request('/');
    expect(await res.text()).toMatch(/npm start/);
    expect((await bare.request('/trpc/x')).status).toBe(404);
  });
});
