/**
 * The reverse transport: the daemon dials `ws(s)://…/agent/ws` with its credential in the
 * Authorization header and keeps the socket. Reconnects with jittered exponential backoff
 * (1 s doubling to 64 s, reset after a welcome); stops for good — and says why — when the
 * credential is refused (401 before the upgrade, or close 4401 revoked) or the protocol is
 * unsupported (4426). A socket silent for three heartbeat periods is dropped and redialed.
 */
import WebSocket from 'ws';
import { AGENT_ERROR_HEADER, CLOSE_CODES, MAX_FRAME_BYTES } from '@openase/shared/protocol/messages';
import { backoffDelay } from '@openase/shared/util/backoff';
import type { Daemon } from '../daemon.js';

export interface ReverseOptions {
  url: string;
  credential: string;
  log: (line: string) => void;
  /** First backoff delay (default 1000 ms; tests lower it). */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
}

export function wsUrl(base: string): string {
  const u = new URL(base);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/agent/ws`;
  return u.toString();
}

/** Runs until the credential is refused; resolves with the reason. */
export function runReverse(daemon: Daemon, opts: ReverseOptions): Promise<string> {
  const base = opts.backoffBaseMs ?? (Number(process.env.OPENASE_AGENT_BACKOFF_MS) || 1000);
  const max = opts.backoffMaxMs ?? 64_000;
  let attempt = 0;
  return new Promise((resolve) => {
    const dial = () => {
      const ws = new WebSocket(wsUrl(opts.url), {
        headers: { authorization: `Bearer ${opts.credential}` },
        maxPayload: MAX_FRAME_BYTES,
        handshakeTimeout: 20_000,
      });
      let fatal: string | null = null;
      let lastHeard = Date.now();
      let watchdog: NodeJS.Timeout | null = null;
      ws.on('unexpected-response', (_req, res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          const header = res.headers[AGENT_ERROR_HEADER];
          let message = (typeof header === 'string' ? header : '') || body.slice(0, 500);
          try {
            message ||= (JSON.parse(body) as { error: { message: string } }).error.message;
          } catch {
            /* keep what we have */
          }
          if (res.statusCode === 401 || res.statusCode === 403) {
            fatal = `the control plane refused this machine's credential: ${message}`;
            daemon.discardAll(fatal);
          } else opts.log(`connecting to ${opts.url} failed: HTTP ${res.statusCode} ${message}`);
          ws.terminate();
        });
      });
      ws.on('open', () => {
        opts.log(`connected to ${opts.url}`);
        daemon.attach({
          send: (frame) => {
            if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
          },
          welcomed: (period) => {
            attempt = 0;
            if (watchdog) clearInterval(watchdog);
            watchdog = setInterval(() => {
              if (Date.now() - lastHeard > 3 * period) {
                opts.log(
                  `no word from the control plane for ${Math.round((Date.now() - lastHeard) / 1000)} s; reconnecting`,
                );
                ws.terminate();
              }
            }, period);
          },
        });
      });
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        lastHeard = Date.now();
        const text = isBinary ? new Uint8Array(data) : data.toString('utf8');
        daemon.receive(text);
      });
      ws.on('ping', () => (lastHeard = Date.now()));
      ws.on('error', (err) => opts.log(`connection error: ${err.message}`));
      ws.on('close', (code, reasonBuf) => {
        if (watchdog) clearInterval(watchdog);
        daemon.detach();
        const reason = reasonBuf.toString();
        if (code === CLOSE_CODES.revoked) {
          fatal = `the control plane revoked this machine (${reason || 'close 4401'}); join again with a new join token`;
          // Its runs are lost on the control plane's side: nothing of them runs on here (docs/machines.md).
          daemon.discardAll(fatal);
        }
        if (code === CLOSE_CODES.unsupportedVersion)
          fatal = `the control plane does not support this daemon's protocol version (${reason}); upgrade openase-agent`;
        if (fatal) {
          opts.log(`${fatal}; not reconnecting`);
          return resolve(fatal);
        }
        const delay = backoffDelay(attempt++, { baseMs: base, maxMs: max, jitter: true });
        opts.log(`disconnected (${code}${reason ? ` ${reason}` : ''}); reconnecting in ${(delay / 1000).toFixed(1)} s`);
        setTimeout(dial, delay);
      });
    };
    dial();
  });
}
