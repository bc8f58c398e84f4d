/**
 * A tiny stand-in for the control plane's tRPC HTTP endpoint (v11, not batched) that records
 * every call, for testing the agent's `openase` wrapper. The real control plane is tested by its
 * own suite; this checks what the wrapper sends and how it reads answers.
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
      const procedure = url.pathname.replace(/^\/trpc\//, '');
      const raw = req.method === 'GET' ? url.searchParams.get('input') : body;
      calls.push({
        method: req.method ?? '?',
        procedure,
        input: raw ? JSON.parse(raw) : undefined,
        authorization: req.headers.authorization,
      });
      const answer = answers.get(procedure) ?? { data: { ok: true } };
      res.setHeader('content-type', 'application/json');
      if ('error' in answer) {
        res.statusCode = answer.status ?? 400;
        res.end(
          JSON.stringify({
            error: {
              message: answer.error,
              code: -32600,
              data: {
                code: 'BAD_REQUEST',
                httpStatus: res.statusCode,
                ...(answer.appCode ? { appCode: answer.appCode } : {}),
              },
            },
          }),
        );
      } else res.end(JSON.stringify({ result: { data: answer.data } }));
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
