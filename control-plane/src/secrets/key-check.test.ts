import { expect, it } from 'vitest';
import { forEachDatabase } from '@openase/test-kit/databases';
import { checkSecretKey } from './key-check.js';

forEachDatabase('one secret key per database', (get) => {
  it('records the first key, accepts it again, refuses another until --new-secret-key takes it', async () => {
    const { deps } = get();
    const first = { fingerprint: 'aaaaaaaaaaaaaaaa', file: '/srv/a/secret.key' };
    const other = { fingerprint: 'bbbbbbbbbbbbbbbb', file: '/srv/b/secret.key' };
    const now = new Date();
    // Each suite's database is shared by its tests: start from whatever an earlier test left.
    await checkSecretKey(deps.db, now, first, true);
    expect(await checkSecretKey(deps.db, now, first)).toBe('same');
    await expect(checkSecretKey(deps.db, now, other)).rejects.toThrow(
      /\/srv\/b\/secret\.key is not the secret key this database's secrets are encrypted under \(its fingerprint is bbbbbbbbbbbbbbbb, the database's aaaaaaaaaaaaaaaa\)/,
    );
    expect(await checkSecretKey(deps.db, now, other, true)).toBe('replaced');
    expect(await checkSecretKey(deps.db, now, other)).toBe('same');
    await expect(checkSecretKey(deps.db, now, first)).rejects.toThrow(/--new-secret-key/);
  });
});
