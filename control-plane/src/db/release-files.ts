/**
 * The release's own files — the console, the migrations, the daemon bundle, the systemd unit —
 * found inside the `openase` package this module runs from. The installed package
 * (`npm i -g ./openase-<v>.tgz`, built by scripts/pack.mjs) and the checkout share one layout,
 * so one lookup serves both: walk up to the nearest folder whose package.json is named
 * `openase` and resolve from there. Nothing outside that package is looked at.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Paths inside the package; scripts/pack.mjs copies exactly these. */
export const RELEASE_LAYOUT = {
  webDist: 'web/dist',
  migrations: 'control-plane/drizzle',
  daemonBundle: 'agent-daemon/dist/openase-agent.cjs',
  agentUnit: 'deploy/openase-agent.service',
} as const;

export const RELEASE_PACKAGE_NAME = 'openase';

/** The root of the `openase` package holding `from` (default: this module), or null. */
export function releaseRoot(from: string = path.dirname(fileURLToPath(import.meta.url))): string | null {
  let dir = path.resolve(from);
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      try {
        if ((JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: unknown }).name === RELEASE_PACKAGE_NAME)
          return dir;
      } catch {
        // An unreadable manifest is not ours; keep walking.
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** A file of the release, or null when the package does not have it (e.g. an unbuilt checkout). */
export function releaseFile(which: keyof typeof RELEASE_LAYOUT, root = releaseRoot()): string | null {
  if (!root) return null;
  const file = path.join(root, RELEASE_LAYOUT[which]);
  return fs.existsSync(file) ? file : null;
}
