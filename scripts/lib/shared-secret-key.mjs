// The secret key of every control plane a test or a bench starts on PostgreSQL. The control planes of one
// database must share their secret.key (control-plane/src/secrets/key-check.ts refuses another), and each of
// these starts with a data dir of its own: they get this one. Written only where there is no key yet.
import fs from 'node:fs';
import path from 'node:path';

const KEY = Buffer.alloc(32, 0x5a).toString('base64');

/** Writes the shared test key as `<home>/secret.key` (mode 0600) unless the data dir has a key. */
export function shareSecretKey(home) {
  const file = path.join(home, 'secret.key');
  if (fs.existsSync(file)) return;
  fs.mkdirSync(home, { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, `${KEY}\n`, { mode: 0o600 });
}
