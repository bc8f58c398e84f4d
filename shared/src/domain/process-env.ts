/**
 * The environment of the local daemon (control-plane/src/fleet/local-machine.ts) and of everything
 * a daemon starts (agent CLIs, hooks, plain commands): a short allowlist of harmless variables of
 * the parent's environment, then what the run itself declares. Never the whole environment: on
 * machine `local` that is the control plane's (`DATABASE_URL`, provider keys…), and a joined
 * build box has its own secrets there.
 */

/** Variables of the daemon's own environment a started process may see; everything else comes from the run. */
export const INHERITED_ENV = [
  'PATH',
  'LANG',
  'LANGUAGE',
  'LC_ALL',
  'LC_CTYPE',
  'LC_MESSAGES',
  'TZ',
  'USER',
  'LOGNAME',
  'SHELL',
  'TERM',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'NODE_EXTRA_CA_CERTS',
  'HTTPS_PROXY',
  'HTTP_PROXY',
  'NO_PROXY',
  'https_proxy',
  'http_proxy',
  'no_proxy',
] as const;

/** The allowlisted part of `env` (default: this process's environment). */
export function inheritedEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of INHERITED_ENV) if (env[key] !== undefined) out[key] = env[key]!;
  return out;
}
