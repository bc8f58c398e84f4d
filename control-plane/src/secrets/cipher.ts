/**
 * Encryption of secret values at rest: AES-256-GCM under a 32-byte key generated on first start
 * and kept in the data dir (`<OPENASE_HOME>/secret.key`, mode 0600) — also when the database is
 * PostgreSQL, so a database dump alone reveals nothing. The key is never derived from the DSN.
 * Stored form: `v1:<iv>:<tag>:<ciphertext>` (base64url), a fresh 96-bit IV per value.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface SecretCipher {
  encrypt(plain: string): string;
  decrypt(stored: string): string;
}

const KEY_BYTES = 32;
export const SECRET_KEY_FILE = 'secret.key';

export function createSecretCipher(key: Buffer): SecretCipher {
  if (key.length !== KEY_BYTES) throw new Error(`the secret key must be ${KEY_BYTES} bytes, got ${key.length}`);
  return {
    encrypt(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return [
        'v1',
        iv.toString('base64url'),
        cipher.getAuthTag().toString('base64url'),
        data.toString('base64url'),
      ].join(':');
    },
    decrypt(stored) {
      const [version, iv, tag, data] = stored.split(':');
      if (version !== 'v1' || iv === undefined || tag === undefined || data === undefined)
        throw new Error('not an encrypted secret value (expected v1:iv:tag:data)');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      try {
        return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        throw new Error("a secret value cannot be decrypted with this data dir's secret.key (was the key replaced?)");
      }
    },
  };
}

/** A cipher with a random key that lives only in memory (tests). */
export function memorySecretCipher(): SecretCipher {
  return createSecretCipher(randomBytes(KEY_BYTES));
}

/**
 * Reads `<home>/secret.key`, creating it (exclusively, mode 0600) on first start. A key file
 * with the wrong size or readable by others is refused rather than silently replaced: replacing
 * it would make every stored secret unreadable.
 */
export function loadOrCreateSecretKey(home: string): {
  key: Buffer;
  created: boolean;
  file: string;
  fingerprint: string;
} {
  const file = path.join(home, SECRET_KEY_FILE);
  let created = false;
  try {
    const fd = fs.openSync(file, 'wx', 0o600);
    fs.writeSync(fd, `${randomBytes(KEY_BYTES).toString('base64')}\n`);
    fs.closeSync(fd);
    created = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const mode = fs.statSync(file).mode & 0o777;
  if (mode & 0o077)
    throw new Error(`${file} is readable by others (mode ${mode.toString(8)}); run \`chmod 600 ${file}\``);
  const text = fs.readFileSync(file, 'utf8').trim();
  const key = Buffer.from(text, 'base64');
  if (key.length !== KEY_BYTES)
    throw new Error(
      `${file} does not hold a ${KEY_BYTES}-byte base64 key; restore it from a backup (stored secrets need the original key)`,
    );
  return { key, created, file, fingerprint: fingerprintOf(key) };
}

/**
 * Short fingerprints of `<home>/secret.key` (never the key), or none when there is no key: an export records the
 * first so an import can say when stored secrets will not decrypt with the key here. The first is of the key's
 * bytes (the same key however its base64 is written); the second, of its text, is what exports before it held.
 */
export function secretKeyFingerprints(home: string): string[] {
  const file = path.join(home, SECRET_KEY_FILE);
  if (!fs.existsSync(file)) return [];
  const text = fs.readFileSync(file, 'utf8').trim();
  return [fingerprintOf(Buffer.from(text, 'base64')), fingerprintOf(text)];
}

/** The fingerprint the database keeps (secrets/key-check.ts) and an export records. */
const fingerprintOf = (key: Buffer | string) => createHash('sha256').update(key).digest('hex').slice(0, 16);
