/**
 * Where the daemon keeps its files: `OPENASE_AGENT_HOME` or `--home`, default
 * `~/.config/openase-agent`. `credential.json` (mode 0600) holds the machine credential from
 * `join`; `runs/<runId>/` holds each run's spec, output, state and spool.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Credential {
  url: string;
  credential: string;
  machineId: string;
  name: string;
  labels: string[];
  slots: number;
  workdir?: string;
}

export function agentHome(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(flag || env.OPENASE_AGENT_HOME || path.join(os.homedir(), '.config', 'openase-agent'));
}

export function credentialPath(home: string): string {
  return path.join(home, 'credential.json');
}

export function writeCredential(home: string, cred: Credential): string {
  fs.mkdirSync(home, { recursive: true, mode: 0o700 });
  const file = credentialPath(home);
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(cred, null, 2)}\n`, { mode: 0o600 });
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
  return file;
}

export function readCredential(home: string): Credential | null {
  try {
    return JSON.parse(fs.readFileSync(credentialPath(home), 'utf8')) as Credential;
  } catch {
    return null;
  }
}
