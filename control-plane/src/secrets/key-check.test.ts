import { randomBytes } from 'node:crypto';
import { beforeEach, expect, it } from 'vitest';
import { forEachDatabase } from '@openase/test-kit/databases';
import { instanceFacts, secrets } from '../db/schema.js';
import { createProject } from '../projects/projects.js';
import { createSecretCipher } from './cipher.js';
import { checkSecretKey } from './key-check.js';

const keyAt = (file: string, fingerprint: string) => ({
  file,
  fingerprint,
  cipher: createSecretCipher(randomBytes(32)),
});

forEachDatabase('one secret key per database', (get) => {
  const shared = { shared: true };
  const a = keyAt('/srv/a/secret.key', 'aaaaaaaaaaaaaaaa');
  const b = keyAt('/srv/b/secret.key', 'bbbbbbbbbbbbbbbb');
  const now = new Date();
  beforeEach(async () => {
    await get().deps.db.delete(instanceFacts);
    await get().deps.db.delete(secrets);
  });

  it('records the first key, accepts it again, refuses another until --new-secret-key takes it', async () => {
    const { db } = get().deps;
    expect(await checkSecretKey(db, now, a, shared)).toBe('recorded');
    expect(await checkSecretKey(db, now, a, shared)).toBe('same');
    await expect(checkSecretKey(db, now, b, shared)).rejects.toThrow(
      "/srv/b/secret.key is not the secret key this database's secrets are encrypted under (its fingerprint is bbbbbbbbbbbbbbbb, the database's aaaaaaaaaaaaaaaa). Every control plane of one database needs the same secret.key",
    );
    expect(await checkSecretKey(db, now, b, { ...shared, replace: true, otherReplicas: async () => [] })).toBe(
      'replaced',
    );
    expect(await checkSecretKey(db, now, b, shared)).toBe('same');
    await expect(checkSecretKey(db, now, a, { shared: false })).rejects.toThrow(
      /Put the original secret\.key back into the data dir .* start once with --new-secret-key/,
    );
  });

  it('records a first key only if it opens the secrets already stored (an upgraded install has no fingerprint)', async () => {
    const { deps, admin } = get();
    const project = await createProject(deps, admin, { name: `Keys ${Date.now()}`, ticketPrefix: 'KEY' });
    await deps.db.insert(secrets).values({
      id: deps.ids.uuid(),
      projectId: project.id,
      name: 'TOKEN',
      ciphertext: a.cipher.encrypt('s3cret'),
      createdAt: now,
      updatedAt: now,
    });
    await expect(checkSecretKey(deps.db, now, b, shared)).rejects.toThrow(
      /\/srv\/b\/secret\.key is not the secret key .* \(it does not open the secrets already stored there\)/,
    );
    expect(await checkSecretKey(deps.db, now, a, shared)).toBe('recorded');
  });

  it('--new-secret-key waits until no other control plane is connected', async () => {
    const { db } = get().deps;
    await checkSecretKey(db, now, a, shared);
    const others = async () => ['host:12:abc'];
    await expect(checkSecretKey(db, now, b, { ...shared, replace: true, otherReplicas: others })).rejects.toThrow(
      '--new-secret-key: stop the other control planes of this database first (connected: host:12:abc)',
    );
    expect(await checkSecretKey(db, now, a, shared)).toBe('same');
  });
});
