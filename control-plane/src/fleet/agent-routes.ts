/**
 * The daemons' HTTP surface: `GET /agent/ws` (the reverse connection; the machine credential in
 * `Authorization: Bearer oam_…` is checked BEFORE the upgrade, so a bad one gets a real 401),
 * `GET /agent/download` (the daemon bundle) and `GET /agent/install.sh` (installs it as a
 * systemd user service, given a join token).
 */
import fs from 'node:fs';
import type { Context, Env, Hono } from 'hono';
import { upgradeWebSocket } from '@hono/node-server';
import type { WebSocket } from 'ws';
import { AGENT_ERROR_HEADER as ERROR_HEADER, isOpenaseError } from '@openase/shared';
import type { Deps } from '../kernel/context.js';
import { authenticateMachine, type Machine, type SessionCredential } from './join.js';
import type { FleetHub } from './hub.js';
import { renderInstallScript } from './install-script.js';

type Vars = { Variables: { machine: Machine & { credential: SessionCredential } } } & {
  Variables: Record<string, unknown>;
};

export function mountAgentRoutes<E extends Env>(
  app: Hono<E>,
  deps: Deps,
  hub: FleetHub,
  daemonBundle: () => string | null,
  publicUrl: () => string | null,
): void {
  const typed = app as unknown as Hono<Vars>;
  // node-server drops the body of a refused upgrade, so the reason also travels in a header.
  const refuse = (c: Context, message: string) =>
    c.json({ error: { code: 'UNAUTHORIZED', message } }, 401, {
      [ERROR_HEADER]: message.replace(/[^\x20-\x7e]/g, '?'),
    });
  typed.use('/agent/ws', async (c, next) => {
    const m = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '');
    if (!m) return refuse(c, 'send the machine credential as Authorization: Bearer oam_...');
    try {
      c.set('machine', await authenticateMachine(deps, m[1]!));
    } catch (err) {
      if (!isOpenaseError(err)) throw err;
      return refuse(c, err.message);
    }
    await next();
  });
  typed.get(
    '/agent/ws',
    upgradeWebSocket((c) => {
      const machine = c.get('machine');
      let conn: ReturnType<FleetHub['connect']> | null = null;
      return {
        onOpen(_evt, ws) {
          const raw = ws.raw as WebSocket;
          raw.on('pong', () => hub.touch(machine.id));
          conn = hub.connect(
            { id: machine.id, name: machine.name, credential: machine.credential },
            {
              transport: 'websocket',
              send: (frame) => {
                if (raw.readyState === raw.OPEN) raw.send(JSON.stringify(frame));
              },
              close: (code, reason) => raw.close(code, reason),
              terminate: () => raw.terminate(),
              ping: () => {
                if (raw.readyState === raw.OPEN) raw.ping();
              },
              pause: () => raw.pause(),
              resume: () => raw.resume(),
            },
          );
        },
        onMessage(evt) {
          const data = evt.data;
          conn?.receive(typeof data === 'string' ? data : new Uint8Array(data as ArrayBuffer));
        },
        onClose() {
          conn?.closed();
        },
      };
    }),
  );
  typed.get('/agent/download', (c) => {
    const file = daemonBundle();
    if (!file)
      return c.json(
        {
          error: {
            code: 'NOT_FOUND',
            message: 'the daemon bundle is not built; run `npm start` or `node agent-daemon/build.mjs` in the checkout',
          },
        },
        404,
      );
    return c.body(fs.readFileSync(file), 200, {
      'content-type': 'application/javascript',
      'content-disposition': 'attachment; filename="openase-agent.cjs"',
    });
  });
  // The script's URLs come from the configured public URL, never from the request's Host header.
  typed.get('/agent/install.sh', (c) => {
    const base = publicUrl();
    if (!base)
      return c.json(
        {
          error: { code: 'NOT_FOUND', message: 'the public URL is not known yet; start the server with --public-url' },
        },
        503,
      );
    return c.body(renderInstallScript(base), 200, { 'content-type': 'text/x-shellscript; charset=utf-8' });
  });
}
