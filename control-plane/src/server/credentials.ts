/**
 * The local credentials file `<home>/credentials` (mode 0600): the URL and API token the CLI
 * uses on this host. The server writes an admin token there on start when the file is missing
 * or no longer valid for this database; `openase login` overwrites it.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as z from '@openase/shared/zod';

export const credentialsSchema = z.object({ url: z.string().url(), token: z.string().min(1) });
export type Credentials = z.infer<typeof credentialsSchema>;

export function credentialsPath(home: string): string {
  return path.join(home, 'credentials');
}

export function readCredentials(home: string): Credentials | null {
  try {
    const parsed = credentialsSchema.safeParse(JSON.parse(fs.readFileSync(credentialsPath(home), 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export function writeCredentials(home: string, credentials: Credentials): string {
  fs.mkdirSync(home, { recursive: true, mode: 0o700 });
  const file = credentialsPath(home);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
  return file;
}
