/**
 * Serves the built web console (web/dist) as a single-page app: hashed assets with long cache
 * lifetimes, index.html for every other GET so client-side routes work on reload.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Hono } from 'hono';
import { serveStatic } from '@hono/node-server/serve-static';

export function serveConsole(app: Hono<any>, webDist: string | null): void {
  const index = webDist ? path.join(webDist, 'index.html') : null;
  if (!webDist || !index || !fs.existsSync(index)) {
    app.get('*', (c) =>
      c.html(
        '<!doctype html><meta charset="utf-8"><title>OpenASE</title><h1>OpenASE</h1><p>The API is up. The web console is not part of this build yet; use the <code>openase</code> CLI (<code>scripts/openase --help</code>).</p>',
      ),
    );
    return;
  }
  const root = path.resolve(webDist);
  app.use('/assets/*', async (c, next) => {
    await next();
    c.header('Cache-Control', 'public, max-age=31536000, immutable');
  });
  app.use('/assets/*', serveStatic({ root, precompressed: true }));
  app.use('/favicon.svg', serveStatic({ root }));
  const html = fs.readFileSync(index, 'utf8');
  app.get('*', (c) => {
    c.header('Cache-Control', 'no-cache');
    return c.html(html);
  });
}
