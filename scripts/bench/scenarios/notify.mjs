// Scenario: notification delivery latency. A webhook receiver on loopback, a rule "a ticket entered In Review"
// on it, and tickets moved to In Review one at a time: the figure is the time from the move request to the
// signed webhook's arrival. The same-run baseline is a plain authenticated request (auth.whoami) to the same
// server, so a loaded machine shows in both.
import http from 'node:http';
import { now, percentile, round, startServer, trpc } from '../lib.mjs';

const stats = (xs) => ({ p50: round(percentile(xs, 50), 1), p99: round(percentile(xs, 99), 1), n: xs.length });

export async function notifyLatency({ databaseUrl = null, tickets = 100 }) {
  const arrivals = new Map();
  const receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const at = now();
      const identifier = JSON.parse(body)?.ticket?.identifier;
      if (identifier && req.headers['x-openase-signature']) arrivals.get(identifier)?.(at);
      res.end('ok');
    });
  });
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
  const hookUrl = `http://127.0.0.1:${receiver.address().port}/hook`;
  const server = await startServer({ databaseUrl });
  try {
    const call = (path, input) => trpc(server.url, server.token, path, input);
    await call('projects.create', { name: 'notify', ticketPrefix: 'NTF' });
    await call('notify.createChannel', { name: 'bench-hook', kind: 'webhook', url: hookUrl });
    await call('notify.createRule', {
      project: 'notify',
      channel: 'bench-hook',
      event: 'ticket.entered_status',
      filter: { statuses: ['In Review'] },
    });
    const baseline = [];
    for (let i = 0; i < 50; i++) {
      const t0 = now();
      await trpc(server.url, server.token, 'auth.whoami', undefined, 'query');
      baseline.push(now() - t0);
    }
    const delivery = [];
    for (let i = 0; i < tickets; i++) {
      const { identifier } = await call('tickets.create', { project: 'notify', title: `Notify ${i + 1}` });
      const arrived = new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no webhook for ${identifier} within 10 s`)), 10_000);
        arrivals.set(identifier, (at) => (clearTimeout(timer), resolve(at)));
      });
      const t0 = now();
      await call('tickets.move', { ticket: identifier, status: 'In Review' });
      delivery.push((await arrived) - t0);
    }
    return { tickets, deliveryMs: stats(delivery), baselineMs: stats(baseline) };
  } finally {
    await server.stop();
    await new Promise((r) => receiver.close(r));
  }
}
