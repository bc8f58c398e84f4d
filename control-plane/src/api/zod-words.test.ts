import { expect, it } from 'vitest';
import { object, string, number, array, enum as oneOf, strictObject } from '@openase/shared/zod';
import { describeZodError } from './trpc.js';

const schema = strictObject({
  cron: string().max(200),
  name: string().min(1),
  code: string().min(4).optional(),
  slots: number().int().min(1).max(64).optional(),
  labels: array(string()).max(2).optional(),
  kind: oneOf(['ssh', 'reverse']).optional(),
  own: string().max(3, 'a short name has at most 3 letters').optional(),
  nested: object({ id: string().uuid() }).optional(),
});
const said = (input: unknown) => describeZodError(schema.safeParse(input).error!);

it("says zod's own complaints in words, and keeps a contract's own message", () => {
  expect(said({ cron: 'x'.repeat(201), name: 'n' })).toBe('cron: at most 200 characters');
  expect(said({ cron: '', name: '' })).toBe('name: must not be empty');
  expect(said({ cron: '', name: 'n', code: 'ab' })).toBe('code: at least 4 characters');
  expect(said({ cron: '', name: 'n', slots: 0 })).toBe('slots: at least 1');
  expect(said({ cron: '', name: 'n', slots: 'two' })).toBe('slots: must be a number');
  expect(said({ name: 'n' })).toBe('cron: is required');
  expect(said({ cron: '', name: 'n', labels: ['a', 'b', 'c'] })).toBe('labels: at most 2 items');
  expect(said({ cron: '', name: 'n', kind: 'stdio' })).toBe('kind: must be one of ssh, reverse');
  expect(said({ cron: '', name: 'n', colour: 'red' })).toBe('unknown field colour');
  expect(said({ cron: '', name: 'n', own: 'long' })).toBe('own: a short name has at most 3 letters');
  expect(said({ cron: '', name: 'n', nested: { id: 'zz' } })).toBe('nested.id: must be an id (a UUID)');
});
