/**
 * One secret key per database. Every control plane of a database encrypts and decrypts the stored
 * secrets (agents' keys, machine credentials for SSH, OIDC client secrets) with the secret.key of its
 * own data dir, so two replicas with different keys each read the other's secrets as garbage: a run
 * whose offer needs a secret waits in the queue forever, and nothing says why. The first control plane
 * to start records its key's fingerprint (never the key) in `instance_facts`; one whose key differs is
 * refused before it serves.
 */
import { eq } from 'drizzle-orm';
import { conflict } from '@openase/shared';
import type { DbOrTx } from '../db/database.js';
import { instanceFacts } from '../db/schema.js';

const FACT = 'secret_key';

/**
 * Records `fingerprint` as the database's key on first use; throws when the database already has another, unless
 * `replace` (`serve --new-secret-key`: the old key is lost) makes this one the database's.
 */
export async function checkSecretKey(
  db: DbOrTx,
  now: Date,
  key: { fingerprint: string; file: string },
  replace = false,
): Promise<'recorded' | 'same' | 'replaced'> {
  const inserted = await db
    .insert(instanceFacts)
    .values({ name: FACT, value: key.fingerprint, updatedAt: now })
    .onConflictDoNothing()
    .returning({ value: instanceFacts.value });
  if (inserted.length) return 'recorded';
  const [row] = await db.select({ value: instanceFacts.value }).from(instanceFacts).where(eq(instanceFacts.name, FACT));
  if (row?.value === key.fingerprint) return 'same';
  if (replace) {
    await db.update(instanceFacts).set({ value: key.fingerprint, updatedAt: now }).where(eq(instanceFacts.name, FACT));
    return 'replaced';
  }
  throw conflict(
    `${key.file} is not the secret key this database's secrets are encrypted under (its fingerprint is ` +
      `${key.fingerprint}, the database's ${row?.value}). Every control plane of one database needs the same ` +
      `secret.key: copy it from the data dir of the one that started first (or restore it from your backup), then ` +
      `start again. If the key is lost for good, start once with --new-secret-key (the secrets stored under it must then be set again).`,
  );
}
