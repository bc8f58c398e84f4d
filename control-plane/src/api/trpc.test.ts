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

it('refuses a model name that a CLI would read as an option', () => {
  const parsed = agentCreateInput.safeParse({ project: 'p', name: 'a', adapter: 'gemini', model: '--sandbox' });
  expect(describeZodError(parsed.error!)).toBe('model: a model name is one word and does not start with "-"');
  expect(
    agentCreateInput.safeParse({ project: 'p', name: 'a', adapter: 'gemini', model: 'gemini-2.5-pro' }).success,
  ).toBe(true);
});
