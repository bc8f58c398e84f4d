import { expect, it } from 'vitest';
import { agentCreateInput } from '@openase/shared';
import { describeZodError } from './trpc.js';

it("says why a record's key is refused, not only that it is", () => {
  const parsed = agentCreateInput.safeParse({ project: 'p', name: 'a', adapter: 'custom', env: { OPENASE_X: '1' } });
  expect(parsed.success).toBe(false);
  // zod alone said "env.OPENASE_X: Invalid key in record" (found trying `agent create --env OPENASE_X=1`).
  expect(describeZodError(parsed.error!)).toBe(
    'env.OPENASE_X: names starting with OPENASE_ are reserved for the platform',
  );
});
