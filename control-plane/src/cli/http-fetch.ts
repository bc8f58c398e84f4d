/**
 * The CLI's transport: one request over node:http (node:https for https URLs), in the shape of the
 * `fetch` tRPC's httpLink calls. Not the global fetch: loading Node's fetch (undici) costs ~80 ms,
 * more than the rest of `openase ticket show` beyond starting Node (docs/performance.md, CLI start).
 * Only what httpLink uses: method, headers, a string body, an abort signal; `ok`, `status` and
 * `json()` of the answer. Network failures reject with Node's own error (its `code`: ECONNREFUSED…).
 */
import http from 'node:http';

interface RequestInitLike {
  method?: string;
  headers?: unknown;
  body?: unknown;
  signal?: AbortSignal | null;
}

export interface CliResponse {
  ok: boolean;
  status: number;
  text(): Promise<string>;
  json(): Promise<unknown>;
}

export async function httpFetch(
  input: string | URL | { url: string },
  init: RequestInitLike = {},
): Promise<CliResponse> {
  const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
  const client = url.protocol === 'https:' ? await import('node:https') : http;
  const headers = Object.fromEntries(
    Object.entries((init.headers ?? {}) as Record<string, string | undefined>).filter(
      (e): e is [string, string] => typeof e[1] === 'string',
    ),
  );
  const body = typeof init.body === 'string' ? init.body : undefined;
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  return new Promise((resolve, reject) => {
    const req = client.request(
      url,
      { method: init.method ?? 'GET', headers, signal: init.signal ?? undefined },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          resolve({
            ok: status >= 200 && status < 300,
            status,
            text: () => Promise.resolve(text),
            json: () => Promise.resolve().then(() => JSON.parse(text) as unknown),
          });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
