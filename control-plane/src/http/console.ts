/**
 * Serves the built web console (web/dist) as a single-page app:
 *   - /assets/* (content-hashed names): `Cache-Control: public, max-age=31536000, immutable`,
 *     served from the `.br`/`.gz` files the build wrote beside them when the browser accepts one;
 *     a missing asset is a plain 404 (never index.html, which would then be cached for a year).
 *   - every other GET: index.html with `Cache-Control: no-cache` (so a new build is picked up at
 *     once), compressed the same way, so client-side routes work on reload.
 *   - never the SPA for API prefixes: /api, /trpc, /agent and /auth answer 404 themselves.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Context, Env, Hono } from 'hono';
import { serveStatic } from '@hono/node-server/serve-static';

const IMMUTABLE = 'public, max-age=31536000, immutable';
const NOT_CONSOLE = /^\/(api|trpc|agent|auth)(\/|$)/;

interface Variant {
  body: Buffer;
  encoding: 'br' | 'gzip' | null;
}

/** index.html and its precompressed variants, read once at start. */
function loadIndex(webDist: string): Variant[] {
  const file = path.join(webDist, 'index.html');
  const variants: Variant[] = [];
  for (const [suffix, encoding] of [
    ['.br', 'br'],
    ['.gz', 'gzip'],
  ] as const) {
    if (fs.existsSync(file + suffix)) variants.push({ body: fs.readFileSync(file + suffix), encoding });
  }
  variants.push({ body: fs.readFileSync(file), encoding: null });
  return variants;
}

function pickVariant(variants: Variant[], acceptEncoding: string | undefined): Variant {
  const accepted = (acceptEncoding ?? '').split(',').map((e) => e.trim().split(';')[0]);
  return variants.find((v) => v.encoding === null || accepted.includes(v.encoding))!;
}

export function serveConsole<E extends Env>(app: Hono<E>, webDist: string | null): void {
  const index = webDist ? path.join(webDist, 'index.html') : null;
  if (!webDist || !index || !fs.existsSync(index)) {
    app.get('*', (c) => {
      if (NOT_CONSOLE.test(c.req.path)) return notFound(c);
      return c.html(
        '<!doctype html><meta charset="utf-8"><title>OpenASE</title><h1>OpenASE</h1><p>The API is up, but the web console is not built. Run <code>npm start</code> (it builds <code>web/dist</code>), or use the <code>openase</code> CLI (<code>scripts/openase --help</code>).</p>',
      );
    });
    return;
  }
  const root = path.resolve(webDist);
  app.use('/assets/*', async (c, next) => {
    await next();
    if (c.res.status === 200) c.header('Cache-Control', IMMUTABLE);
  });
  app.use('/assets/*', serveStatic({ root, precompressed: true }));
  app.get('/assets/*', (c) => c.text('no such asset', 404, { 'Cache-Control': 'no-store' }));
  app.use('/favicon.svg', serveStatic({ root }));
  const variants = loadIndex(root);
  app.get('*', (c) => {
    if (NOT_CONSOLE.test(c.req.path)) return notFound(c);
    const variant = pickVariant(variants, c.req.header('accept-encoding'));
    const headers: Record<string, string> = {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-cache',
      Vary: 'Accept-Encoding',
    };
    if (variant.encoding) headers['Content-Encoding'] = variant.encoding;
    return c.body(new Uint8Array(variant.body), 200, headers);
  });
}

function notFound(c: Context) {
  return c.json({ error: { code: 'NOT_FOUND', message: `no route ${c.req.method} ${c.req.path}` } }, 404);
}
