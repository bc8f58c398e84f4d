import { expect, it } from 'vitest';
import { formatTime } from './format';

it('says a time to come as one (an invitation expiring in 3 days was "expires just now")', () => {
  const at = (seconds: number) => new Date(Date.now() + seconds * 1000);
  expect(formatTime(at(-30))).toBe('just now');
  expect(formatTime(at(-600))).toBe('10 min ago');
  expect(formatTime(at(600))).toBe('in 10 min');
  expect(formatTime(at(3 * 3600))).toBe('in 3 h');
  expect(formatTime(at(72 * 3600))).toBe(
    at(72 * 3600).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' }),
  );
});
