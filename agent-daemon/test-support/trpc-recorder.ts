/**
 * A tiny stand-in for the control plane's tRPC HTTP endpoint (v11, batched as the CLI calls it,
 * `?batch=1` with inputs keyed "0", "1"…, or not) that records every call, for testing the agent's
 * `openase` wrapper. The real control plane is tested by its own suite; this checks what the
 * wrapper sends and how it reads answers.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  method: string;
  procedure: string;
  input: unknown;
  authorization: string | undefined;
}

export type Answer = { data: unknown } | { error: string; status?: number; appCode?: string };

export interface TrpcRecorder {
  url: string;
  calls: RecordedCall[];
  /** What to answer for a procedure (default `{data: {ok: true}}`). */
  answer(procedure: string, answer: Answer): void;
  close(): Promise<void>;
}

export async function startTrpcRecorder(): Promise<TrpcRecorder> {
  const calls: RecordedCall[] = [];
  const answers = new Map<string, Answer>();
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (c: string) => {
      body += c;
    });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const batched = url.searchParams.get('batch') === '1';
      const path = url.pathname.replace(/^\/trpc\//, '');
      const procedures = batched ? path.split(',') : [path];
      const raw = req.method === 'GET' ? url.searchParams.get('input') : body;
      const inputs = (raw ? JSON.parse(raw) : undefined) as Record<string, unknown> | undefined;
      const replies = procedures.map((procedure, i) => {
        const input = batched ? inputs?.[String(i)] : inputs;
        calls.push({ method: req.method ?? '?', procedure, input, authorization: req.headers.authorization });
        const answer = answers.get(procedure) ?? { data: { ok: true } };
        if (!('error' in answer)) return { status: 200, body: { result: { data: answer.data } } };
        const status = answer.status ?? 400;
        const data = {
          code: 'BAD_REQUEST',
          httpStatus: status,
          ...(answer.appCode ? { appCode: answer.appCode } : {}),
        };
        return { status, body: { error: { message: answer.error, code: -32600, data } } };
      });
      res.setHeader('content-type', 'application/json');
      res.statusCode = replies.find((r) => r.status !== 200)?.status ?? 200;
      res.end(JSON.stringify(batched ? replies.map((r) => r.body) : replies[0]!.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    answer: (procedure, answer) => answers.set(procedure, answer),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
