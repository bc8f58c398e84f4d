// Makes a fresh clone runnable with only Node and git: finds or fetches pnpm (pinned), installs
// dependencies from the lockfile when needed, and rebuilds the control-plane bundle and the web
// console (web/dist) when their sources are newer than them. Plain Node, no dependencies: it runs before anything is
// installed.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { withLock } from './build-lock.mjs';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PNPM_VERSION = '10.34.9';

function log(line) {
  process.stderr.write(`[openase] ${line}\n`);
}

function run(cmd, args, opts = {}) {
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    log(`${cmd} ${args.join(' ')} failed with exit code ${result.status}`);
    process.exit(result.status ?? 1);
  }
}

/**
 * `pnpm` on PATH when it is the pinned major, else `npx -y pnpm@<pinned>` (Corepack is not used: its signature check
 * fails here).
 */
export function pnpmCommand() {
  const probe = spawnSync('pnpm', ['--version'], { encoding: 'utf8' });
  if (probe.status === 0 && probe.stdout.trim().startsWith('10.')) return ['pnpm'];
  return ['npx', '-y', `pnpm@${PNPM_VERSION}`];
}

export function pnpm(args, opts) {
  const [cmd, ...pre] = pnpmCommand();
  run(cmd, [...pre, ...args], opts);
}

function mtime(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

function newestIn(dir) {
  let newest = 0;
  if (!fs.existsSync(dir)) return 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestIn(full) : mtime(full));
  }
  return newest;
}

export function ensureInstalled() {
  const marker = path.join(root, 'node_modules', '.modules.yaml');
  if (
    mtime(marker) >= mtime(path.join(root, 'pnpm-lock.yaml')) &&
    mtime(marker) >= mtime(path.join(root, 'package.json'))
  )
    return;
  log('installing dependencies (pnpm install --frozen-lockfile)…');
  pnpm(['install', '--frozen-lockfile']);
}

export const bundlePath = path.join(root, 'control-plane', 'dist', 'openase.mjs');

export const agentBundlePath = path.join(root, 'agent-daemon', 'dist', 'openase-agent.cjs');

const lockfile = path.join(root, 'pnpm-lock.yaml');

function agentBuilt() {
  const sources = Math.max(
    newestIn(path.join(root, 'agent-daemon', 'src')),
    newestIn(path.join(root, 'shared', 'src')),
    // The agent's `openase` (platform-command.ts) is the person's CLI, bundled in.
    newestIn(path.join(root, 'control-plane', 'src', 'cli')),
    mtime(path.join(root, 'agent-daemon', 'build.mjs')),
    mtime(path.join(root, 'agent-daemon', 'build-options.mjs')),
    // Dependencies are bundled in: a changed lockfile (a version, a patch) rebuilds.
    mtime(lockfile),
  );
  if (mtime(agentBundlePath) >= sources) return;
  log('building the agent daemon…');
  run(process.execPath, [path.join(root, 'agent-daemon', 'build.mjs')]);
}

function built() {
  agentBuilt();
  const sources = Math.max(
    newestIn(path.join(root, 'control-plane', 'src')),
    newestIn(path.join(root, 'shared', 'src')),
    mtime(path.join(root, 'control-plane', 'build.mjs')),
    mtime(lockfile),
  );
  if (mtime(bundlePath) < sources) {
    log('building the control plane…');
    run(process.execPath, [path.join(root, 'control-plane', 'build.mjs')]);
  }
  webBuilt();
}

export const webDistIndex = path.join(root, 'web', 'dist', 'index.html');

function webBuilt() {
  const web = path.join(root, 'web');
  const sources = Math.max(
    newestIn(path.join(web, 'src')),
    newestIn(path.join(web, 'public')),
    newestIn(path.join(web, 'build')),
    mtime(path.join(web, 'index.html')),
    mtime(path.join(web, 'vite.config.ts')),
    mtime(path.join(web, 'package.json')),
    newestIn(path.join(root, 'shared', 'src')),
    mtime(lockfile),
  );
  if (mtime(webDistIndex) >= sources) return;
  log('building the web console…');
  run(process.execPath, [path.join(web, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'], {
    cwd: web,
  });
}

/** The builds take one lock per checkout (build-lock.mjs): two at once wrote into the same dist folders. */
const buildLock = path.join(root, 'node_modules', '.cache', 'openase-build.lock');
const locked = (fn) => () => withLock(buildLock, fn, { log });

/** The daemon bundle (served at /agent/download, run as machine `local`, uploaded over SSH). */
export const ensureAgentBuilt = locked(agentBuilt);
/** The daemon, the control-plane bundle and the console, each rebuilt when its sources are newer. */
export const ensureBuilt = locked(built);
/** Builds the console (vite) when web/ or the shared contracts changed since the last build. */
export const ensureWebBuilt = locked(webBuilt);
