import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { messagePage } from './auth-routes.js';

async function page(message: string): Promise<string> {
  const app = new Hono().get('/', (c) => messagePage(c, 'Sign-in refused', message));
  const html = await (await app.request('/')).text();
  return /<p class="problem" role="alert">(.*?)<\/p>/.exec(html)![1]!;
}

describe('messagePage', () => {
  it('shows the message as written, escaped: a domain or an address at the start stays as it is', async () => {
    expect(await page('This sign-in link is malformed; ask an admin')).toBe(
      'This sign-in link is malformed; ask an admin',
    );
    expect(await page('elsewhere.org is not one of the domains allowed')).toBe(
      'elsewhere.org is not one of the domains allowed',
    );
    expect(await page('<eve@example.com> has not verified')).toBe('&#60;eve@example.com&#62; has not verified');
  });
});
