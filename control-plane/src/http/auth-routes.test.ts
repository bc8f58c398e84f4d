import { describe, expect, it } from 'vitest';
import { asSentence } from './auth-routes.js';

describe('asSentence', () => {
  it('capitalises a message that starts with a plain word', () => {
    expect(asSentence('this sign-in link is malformed; ask an admin')).toBe(
      'This sign-in link is malformed; ask an admin',
    );
  });
  it('leaves a domain, an address or a name at the start as written', () => {
    expect(asSentence('elsewhere.org is not one of the domains allowed')).toBe(
      'elsewhere.org is not one of the domains allowed',
    );
    expect(asSentence('eve@example.com has not verified')).toBe('eve@example.com has not verified');
    expect(asSentence('Ada is deactivated')).toBe('Ada is deactivated');
  });
});
