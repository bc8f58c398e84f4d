/**
 * The HTTP API's throttles (issue 13, point 5): a tRPC batch longer than the cap, or costing more
 * than a request may (450 `workflows.validate` calls froze the server for 3.8 s), is refused with
 * 400 before any call runs; a credential over its request rate gets 429 with Retry-After while
 * another credential is served.
 */
import { expect, it } from 'vitest';
import { LIMITS } from '@openase/shared';
import { forEachDatabase } from '@openase/test-kit/databases';
import { createApp } from '../../src/http/app.js';
import { createToken } from '../../src/auth/tokens.js';

let n = 0;

forEachDatabase('security: API throttles', (get) => {
  async function setup(rateLimits?: { perSecond: number; burst: number } | null) {
    const { deps, admin } = get();
    const app = createApp({ deps, version: 't', databaseKind: 'pglite', rateLimits });
    const token = async () => (await createToken(deps, admin, { name: `thr-${++n}`, scopes: ['read', 'write'] })).token;
    const call = (bearer: string, path: string, body?: unknown) =>
      app.request(path, {
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
        ...(body ? { method: 'POST', body: JSON.stringify(body) } : {}),
      });
    return { app, token, call };
  }
  // `workflows.validate` is a mutation (POST): the inputs travel in the body.
  const batch = (count: number): [string, unknown] => [
    `/trpc/${Array.from({ length: count }, () => 'workflows.validate').join(',')}?batch=1`,
    Object.fromEntries(Array.from({ length: count }, (_, i) => [i, { source: '---\nname: x\n---\nbody\n' }])),
  ];

  it('refuses a 450-call batch and a batch costing too much with 400, before running any call', async () => {
    const { token, call } = await setup();
    const bearer = await token();
    const long = await call(bearer, ...batch(450));
    expect(long.status).toBe(400);
    expect(JSON.stringify(await long.json())).toMatch(
      new RegExp(`at most ${LIMITS.trpcBatchMax} calls; this one has 450`),
    );
    const costly = await call(bearer, ...batch(11));
    expect(costly.status).toBe(400);
    expect(JSON.stringify(await costly.json())).toMatch(/may cost at most 100 .* this one costs 110/);
    const fine = await call(bearer, ...batch(3));
    expect(fine.status).toBe(200);
  });

  it('answers 429 with Retry-After to a credential over its rate; another credential is served', async () => {
    const { token, call } = await setup({ perSecond: 1, burst: 3 });
    const [a, b] = [await token(), await token()];
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await call(a, '/trpc/projects.list')).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const refused = await call(a, '/trpc/projects.list');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(await refused.json())).toMatch(/too many requests with this credential; retry in \d+ s/);
    expect((await call(b, '/trpc/projects.list')).status).toBe(200);
    // The plain HTTP API spends from the same bucket.
    expect((await call(a, '/api/nothing-here')).status).toBe(429);
  });
});
