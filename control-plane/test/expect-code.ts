import { expect } from 'vitest';
import { OpenaseError } from '@openase/shared';

/** Asserts that `promise` fails with an OpenaseError (or a zod error as VALIDATION_FAILED) of `code`. */
export async function expectCode(promise: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, 'expected the call to fail').toBeTruthy();
  const actual =
    err instanceof OpenaseError
      ? err.code
      : (err as { name?: string }).name === 'ZodError'
        ? 'VALIDATION_FAILED'
        : String(err);
  expect(actual, String((err as Error).message)).toBe(code);
  if (message) expect((err as Error).message).toMatch(message);
}
