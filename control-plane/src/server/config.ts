/**
 * Where the control plane keeps its state and how it listens. Precedence: flag, then env,
 * then default. `--data-dir` and `OPENASE_HOME` name the same folder (default ~/.openase).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const DEFAULT_PORT = 19836;

export interface ServerConfig {
  port: number;
  host: string;
  home: string;
  /** Set = real PostgreSQL; unset = embedded PGlite in `<home>/data`. */
  databaseUrl: string | null;
  /** Public base URL printed in sign-in links, the install script and the local credentials. */
  publicUrl: string;
  /** The public URL was configured (--public-url, OPENASE_PUBLIC_URL), not derived from host and port. */
  publicUrlConfigured?: boolean;
  /** A reverse proxy in front is trusted for X-Forwarded-Proto (Secure cookies) and -For (client IPs). */
  trustProxy?: boolean;
  /** Per-credential API request rate (cost units/s and burst); null = off. */
  rateLimits?: { perSecond: number; burst: number } | null;
  /** Register this host as machine `local` and run its daemon as a supervised child (default on). */
  localMachine?: boolean;
  /** Minutes a Project AI conversation may wait for a message before it is closed (0 = never). */
  chatIdleMinutes?: number;
  /** Run machine `local` without a sandbox, knowingly (no bubblewrap on this host; docs/security.md). */
  localUnconfined?: boolean;
  /** The database's secret key is lost: record this data dir's key as the database's (secrets/key-check.ts). */
  newSecretKey?: boolean;
  /** Slots of machine `local` (unset: the host's cores, 1 to 4). */
  localSlots?: number;
  /** Bearer token of GET /metrics; null = no metrics endpoint. */
  metricsToken?: string | null;
  /** OpenTelemetry tracing (kernel/tracing.ts); unset = on when the environment asks for it. */
  tracing?: boolean;
}

export function openaseHome(env: NodeJS.ProcessEnv = process.env, flag?: string): string {
  return path.resolve(flag || env.OPENASE_HOME || path.join(os.homedir(), '.openase'));
}

export function resolveServerConfig(
  flags: {
    port?: string;
    host?: string;
    dataDir?: string;
    databaseUrl?: string;
    localMachine?: boolean;
    localUnconfined?: boolean;
    newSecretKey?: boolean;
    chatIdleMinutes?: string;
    publicUrl?: string;
    trustProxy?: boolean;
  },
  env: NodeJS.ProcessEnv = process.env,
): ServerConfig {
  const rawPort = flags.port ?? env.OPENASE_PORT ?? String(DEFAULT_PORT);
  const port = Number(rawPort);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`port must be a number from 0 to 65535, got "${rawPort}"`);
  const rawIdle = flags.chatIdleMinutes ?? (env.OPENASE_CHAT_IDLE_MINUTES || '60');
  const chatIdleMinutes = Number(rawIdle);
  if (rawIdle.trim() === '' || !Number.isFinite(chatIdleMinutes) || chatIdleMinutes < 0)
    throw new Error(`chat idle minutes must be a number ≥ 0 (0 = never close), got "${rawIdle}"`);
  const localSlots = env.OPENASE_LOCAL_SLOTS ? Number(env.OPENASE_LOCAL_SLOTS) : undefined;
  if (localSlots !== undefined && !(Number.isInteger(localSlots) && localSlots >= 1 && localSlots <= 64))
    throw new Error(`OPENASE_LOCAL_SLOTS must be a whole number from 1 to 64, got "${env.OPENASE_LOCAL_SLOTS}"`);
  // Loopback unless opened knowingly (--host 0.0.0.0): machines on other hosts need it opened.
  const host = flags.host ?? (env.OPENASE_HOST || '127.0.0.1');
  // The loopback address as is: `localhost` may resolve to ::1 first, where nothing listens by default.
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  const configuredUrl = flags.publicUrl ?? (env.OPENASE_PUBLIC_URL || undefined);
  return {
    port,
    host,
    home: openaseHome(env, flags.dataDir),
    databaseUrl: flags.databaseUrl || env.DATABASE_URL || null,
    publicUrl: configuredUrl ? publicUrlOf(configuredUrl) : `http://${shownHost}:${port}`,
    publicUrlConfigured: configuredUrl !== undefined,
    trustProxy: flags.trustProxy ?? ['1', 'true'].includes(env.OPENASE_TRUST_PROXY ?? ''),
    rateLimits: rateLimitsOf(env.OPENASE_RATE_LIMIT),
    localMachine: flags.localMachine ?? env.OPENASE_LOCAL_MACHINE !== '0',
    localUnconfined: flags.localUnconfined ?? env.OPENASE_LOCAL_UNCONFINED === '1',
    newSecretKey: flags.newSecretKey ?? false,
    chatIdleMinutes,
    metricsToken: metricsTokenFromEnv(env),
    ...(localSlots !== undefined ? { localSlots } : {}),
  };
}

/** A public URL: http(s), no path, query or trailing slash. */
function publicUrlOf(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`the public URL must be an absolute URL like https://openase.example.com, got "${raw}"`);
  }
  if (!['http:', 'https:'].includes(url.protocol) || url.search || url.hash || url.username)
    throw new Error(`the public URL must be a plain http(s) URL like https://openase.example.com, got "${raw}"`);
  return url.toString().replace(/\/+$/, '');
}

/** OPENASE_RATE_LIMIT: `off`, `N` (cost units per second per credential) or `N/BURST`; default 300/3000. */
function rateLimitsOf(raw: string | undefined): { perSecond: number; burst: number } | null {
  if (!raw) return { perSecond: 300, burst: 3000 };
  if (raw === 'off' || raw === '0') return null;
  const m = /^(\d+)(?:\/(\d+))?$/.exec(raw.trim());
  if (!m || Number(m[1]) < 1)
    throw new Error(
      `OPENASE_RATE_LIMIT must be "off", N or N/BURST (requests per second per credential), got "${raw}"`,
    );
  const perSecond = Number(m[1]);
  return { perSecond, burst: m[2] ? Math.max(Number(m[2]), perSecond) : perSecond * 10 };
}

/** The metrics token: OPENASE_METRICS_TOKEN, or the first line of OPENASE_METRICS_TOKEN_FILE; null = off. */
export function metricsTokenFromEnv(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.OPENASE_METRICS_TOKEN) return env.OPENASE_METRICS_TOKEN;
  if (env.OPENASE_METRICS_TOKEN_FILE) {
    const file = env.OPENASE_METRICS_TOKEN_FILE;
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      // The bare "ENOENT: no such file or directory" named neither the setting nor what to do.
      throw new Error(
        `OPENASE_METRICS_TOKEN_FILE ${file} cannot be read (${(err as Error).message}): write the token as its first line, readable by the user the server runs as, or unset it to turn /metrics off`,
        { cause: err },
      );
    }
    const token = text.split('\n')[0]!.trim();
    if (!token) throw new Error(`OPENASE_METRICS_TOKEN_FILE ${env.OPENASE_METRICS_TOKEN_FILE} is empty`);
    return token;
  }
  return null;
}
