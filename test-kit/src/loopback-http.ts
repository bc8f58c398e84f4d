/**
 * HTTP servers tests stand up as the far end of a call (webhook receivers, an OTLP collector, a transport's
 * peer): each request is answered once its whole body has been read.
 */
import http from 'node:http';

/** An HTTP server (not yet listening) that reads each request's body as text, then calls `handle`. */
export function bodyServer(
  handle: (req: http.IncomingMessage, body: string, res: http.ServerResponse) => unknown,
): http.Server {
  return http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => handle(req, body, res));
  });
}
