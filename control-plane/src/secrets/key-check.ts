/**
 * One secret key per database. Every control plane of a database encrypts and decrypts the stored
 * secrets (agents' secrets, OIDC client secret, GitHub tokens, notification URLs) with the secret.key of
 * its own data dir, so two replicas with different keys each read the other's secrets as garbage: a run
 * whose offer needs a secret waits in the queue forever, and nothing says why. The first control plane
 * to start records its key's fingerprint (never the key) in `instance_facts`, once its key has opened a
 * secret already stored (an upgraded install has no fingerprint yet, and the first replica up may be the
 * one with the wrong key); one whose key differs is refused before it serves.
 */
import { eq, sql } from 'drizzle-orm';
import { conflict } from '@openase/shared';
import { resultRows, type DbOrTx } from '../db/database.js';
import { instanceFacts } from '../db/schema.js';
import type { SecretCipher } from './cipher.js';

const FACT = 'secret_key';

export interface KeyInHand {
  fingerprint: string;
  file: string;
  cipher: SecretCipher;
}

export interface KeyCheckOptions {
  /** `serve --new-secret-key`: the old key is lost, this one becomes the database's. */
  replace?: boolean;
  /** Several control planes may share the database (PostgreSQL), or this is the only one (PGlite). */
  shared: boolean;
  /** Other control planes connected to the database now (PostgreSQL), for --new-secret-key. */
  otherReplicas?: () => Promise<string[]>;
}

/**
 * Records `key` as the database's on first use (when it opens a stored secret, or none is stored); throws when the
 * database has another, unless `replace` makes this one the database's while no other control plane is connected.
 */
export async function checkSecretKey(
  db: DbOrTx,
  now: Date,
  key: KeyInHand,
  opts: KeyCheckOptions,
): Promise<'recorded' | 'same' | 'replaced'> {
  const [row] = await db.select({ value: instanceFacts.value }).from(instanceFacts).where(eq(instanceFacts.name, FACT));
  if (row?.value === key.fingerprint) return 'same';
  if (opts.replace) {
    const others = (await opts.otherReplicas?.()) ?? [];
    if (others.length)
      throw conflict(
        `--new-secret-key: stop the other control planes of this database first (connected: ${others.join(', ')}); ` +
          'they would go on storing secrets under the old key',
      );
    await db
      .insert(instanceFacts)
      .values({ name: FACT, value: key.fingerprint, updatedAt: now })
      .onConflictDoUpdate({ target: instanceFacts.name, set: { value: key.fingerprint, updatedAt: now } });
    return 'replaced';
  }
  if (row) throw otherKey(key, `its fingerprint is ${key.fingerprint}, the database's ${row.value}`, opts.shared);
  const stored = await oneStoredSecret(db);
  if (stored !== null) {
    try {
      key.cipher.decrypt(stored);
    } catch {
      throw otherKey(key, 'it does not open the secrets already stored there', opts.shared);
    }
  }
  const inserted = await db
    .insert(instanceFacts)
    .values({ name: FACT, value: key.fingerprint, updatedAt: now })
    .onConflictDoNothing()
    .returning({ value: instanceFacts.value });
  if (inserted.length) return 'recorded';
  // Another control plane recorded its key between the read and the insert: compare with that one.
  return checkSecretKey(db, now, key, { ...opts, replace: false });
}

function otherKey(key: KeyInHand, why: string, shared: boolean) {
  const what = `${key.file} is not the secret key this database's secrets are encrypted under (${why}).`;
  const lost =
    'If the key is lost for good, start once with --new-secret-key (the secrets stored under it must then be set again).';
  return conflict(
    shared
      ? `${what} Every control plane of one database needs the same secret.key: copy it from the data dir of a ` +
          `control plane that serves this database (or restore it from your backup), then start again. ${lost}`
      : `${what} Put the original secret.key back into the data dir (from your backup), then start again. ${lost}`,
  );
}

/** One encrypted value stored in the database, if there is any. */
async function oneStoredSecret(db: DbOrTx): Promise<string | null> {
  const rows = resultRows<{ v: string }>(
    await db.execute(sql`
      (SELECT ciphertext AS v FROM secrets LIMIT 1)
      UNION ALL (SELECT client_secret_enc FROM auth_settings WHERE client_secret_enc IS NOT NULL LIMIT 1)
      UNION ALL (SELECT token FROM github_links WHERE token IS NOT NULL LIMIT 1)
      UNION ALL (SELECT url_enc FROM notification_channels LIMIT 1)
      LIMIT 1`),
  );
  return rows[0]?.v ?? null;
}

/** The other control planes connected to a PostgreSQL database now (each names its pool `openase <replica>`). */
export async function otherControlPlanes(db: DbOrTx, applicationName: string): Promise<string[]> {
  const rows = resultRows<{ name: string }>(
    await db.execute(sql`
      SELECT DISTINCT application_name AS name FROM pg_stat_activity
      WHERE datname = current_database() AND application_name LIKE 'openase %' AND application_name <> ${applicationName}`),
  );
  return rows.map((r) => r.name.replace(/^openase /, ''));
}
