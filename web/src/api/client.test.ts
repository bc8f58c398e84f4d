import { describe, expect, it } from 'vitest';
import { readCookie } from './client';

describe('readCookie', () => {
  it('finds a cookie among others and decodes it', () => {
    expect(readCookie('openase_csrf', 'a=1; openase_csrf=abc%3D%3D; b=2')).toBe('abc==');
    expect(readCookie('openase_csrf', 'openase_csrf_old=x')).toBeNull();
    expect(readCookie('openase_csrf', '')).toBeNull();
  });
});
