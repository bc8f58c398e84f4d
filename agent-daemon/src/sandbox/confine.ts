/**
 * Confinement of what a daemon starts (agent CLIs, hooks, plain commands). The daemon itself is
 * trusted: it holds the machine credential, fetches repositories, prepares worktrees and keeps
 * its spool. What it starts runs under bubblewrap (`bwrap`, Debian package `bubblewrap`):
 *
 *   - the whole filesystem read-only (`--ro-bind / /`), /tmp writable, a fresh /dev;
 *   - hidden behind empty folders: the daemon's home (credential, run specs, spool), every folder
 *     the daemon was told to hide (machine `local`: the control plane's data dir with its
 *     credentials, secret.key and database) and well-known credential files of the user's HOME;
 *   - writable again only what the run works in (the ticket workspace, a command's folder);
 *   - its own PID namespace with a fresh /proc (no other process's environment or files);
 *   - all capabilities dropped (as root it cannot remount or unmount what hides the data).
 *
 * Without bwrap the daemon runs nothing unless it was started knowingly unconfined
 * (`--unconfined`, `OPENASE_AGENT_UNCONFINED=1`); see docs/security.md.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findOnPath } from '../inventory.js';

export type Confinement =
  /**
   * Started under bwrap with `hide` hidden (folders and files, absolute and existing); `userns`:
   * in its own user namespace as an unprivileged id, so a CLI's own sandbox (Codex runs bwrap
   * itself) can nest inside.
   */
  | { mode: 'bwrap'; bwrap: string; hide: string[]; userns?: boolean }
  /** Started as is: the operator turned confinement off knowingly. */
  | { mode: 'off' };

export const UNCONFINED: Confinement = { mode: 'off' };

/** Credential files and folders of a user's HOME that nothing a run starts has any business reading. */
export const HOME_SECRETS = [
  '.ssh',
  '.gnupg',
  '.netrc',
  '.git-credentials',
  '.pgpass',
  '.npmrc',
  '.aws',
  '.azure',
  '.kube',
  '.docker',
  '.config/gcloud',
  '.config/gh',
  '.claude',
  '.claude.json',
  '.codex',
  '.gemini',
  '.openase',
  '.config/openase-agent',
];

export interface LaunchRequest {
  command: string;
  args: readonly string[];
  cwd: string;
  /** Folders the process may write (bound read-write, also when inside a hidden folder). */
  writable?: readonly string[];
  /** Folders inside a hidden folder it may read (bound read-only). */
  readable?: readonly string[];
}

/** Turns a command to start into the argv that starts it confined (a run's binds already chosen). */
export type Launcher = (cmd: { command: string; args: readonly string[]; cwd: string }) => {
  command: string;
  args: string[];
};

export const unconfinedLauncher: Launcher = ({ command, args }) => ({ command, args: [...args] });

/** A launcher for one run: `c`, with what the run may write and read. */
export function launcherFor(
  c: Confinement,
  binds: { writable?: readonly string[]; readable?: readonly string[] },
): Launcher {
  return (cmd) => confineCommand(c, { ...cmd, ...binds });
}

const inside = (child: string, parent: string) => child === parent || child.startsWith(parent + path.sep);

/** The argv that starts `req` under `c` (unchanged when unconfined). */
export function confineCommand(c: Confinement, req: LaunchRequest): { command: string; args: string[] } {
  if (c.mode === 'off') return { command: req.command, args: [...req.args] };
  const args = ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--bind', '/tmp', '/tmp'];
  args.push('--unshare-pid', '--cap-drop', 'ALL', ...(c.userns ? USERNS_ARGS : []));
  const hidden = minimalHides(c.hide);
  for (const p of hidden) {
    const stat = fs.statSync(p, { throwIfNoEntry: false });
    if (!stat) continue; // gone since: nothing to hide
    if (stat.isDirectory()) args.push('--tmpfs', p);
    else args.push('--ro-bind', '/dev/null', p);
  }
  // Binding a folder that holds a hidden one would show it again: such a folder stays as it is.
  const reveals = (p: string) => hidden.some((h) => inside(h, path.resolve(p)));
  for (const p of req.readable ?? []) if (!reveals(p)) args.push('--ro-bind', p, p);
  for (const p of req.writable ?? []) if (!reveals(p)) args.push('--bind', p, p);
  args.push('--chdir', req.cwd, '--', req.command, ...req.args);
  return { command: c.bwrap, args };
}

/** Hidden paths, absolute and existing, without those inside another. */
export function minimalHides(paths: readonly string[]): string[] {
  const abs = [...new Set(paths.filter(Boolean).map((p) => path.resolve(p)))].filter((p) => fs.existsSync(p));
  return abs.filter((p) => p !== '/' && !abs.some((q) => q !== p && inside(p, q))).sort();
}

/** What a daemon hides from what it starts: its home, the folders it was told to, the HOME's credentials. */
export function hiddenPaths(daemonHome: string, extra: readonly string[], userHome = os.homedir()): string[] {
  return minimalHides([daemonHome, ...extra, ...HOME_SECRETS.map((p) => path.join(userHome, p))]);
}

/**
 * Its own user namespace with a non-root id inside: a nested bwrap (a CLI's own sandbox) then
 * runs unprivileged. As root the id maps back to root outside, so file access is unchanged; what
 * it may read and write is decided by the mounts above.
 */
const USERNS_ARGS = ['--unshare-user', '--uid', '1000', '--gid', '1000'];

/** The path of a working bwrap (and whether it can give runs their own user namespace), or why there is none. */
export function probeBwrap(envPath = process.env.PATH ?? ''): { bwrap: string; userns: boolean } | { reason: string } {
  const bwrap = findOnPath('bwrap', envPath);
  if (!bwrap) return { reason: 'bubblewrap (bwrap) is not installed' };
  const base = ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--unshare-pid', '--cap-drop', 'ALL'];
  const works = (args: string[]) =>
    execFileSync(bwrap, [...args, 'true'], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
  try {
    works([...base, ...USERNS_ARGS]);
    return { bwrap, userns: true };
  } catch {
    /* no user namespaces here: the plain sandbox still hides the data */
  }
  try {
    works(base);
    return { bwrap, userns: false };
  } catch (err) {
    const stderr = String((err as { stderr?: Buffer }).stderr ?? '').trim();
    return { reason: `bubblewrap cannot create a sandbox here (${stderr || (err as Error).message})` };
  }
}

/** An exit code of a confined process that says it was killed by a signal (bwrap reports 128 + n). */
export function signalOfExit(code: number | null): NodeJS.Signals | null {
  if (code === null || code <= 128 || code > 128 + 64) return null;
  const entry = Object.entries(os.constants.signals).find(([, n]) => n === code - 128);
  return entry ? (entry[0] as NodeJS.Signals) : null;
}

export const UNCONFINED_ENV = 'OPENASE_AGENT_UNCONFINED';
/** Exit code of a daemon that refuses to start without a sandbox (EX_CONFIG). */
export const EXIT_NO_SANDBOX = 78;

/**
 * The daemon's confinement, or the one-line reason it cannot run anything: bwrap when it works,
 * else unconfined only when asked for knowingly.
 */
export function chooseConfinement(opts: {
  daemonHome: string;
  hide: readonly string[];
  unconfined: boolean;
}): { confinement: Confinement } | { refused: string } {
  if (opts.unconfined) return { confinement: UNCONFINED };
  const probe = probeBwrap();
  if ('reason' in probe)
    return {
      refused: `${probe.reason}, so what runs here could read this machine's secrets; install bubblewrap (apt-get install bubblewrap), or start knowingly unconfined with --unconfined (${UNCONFINED_ENV}=1)`,
    };
  return {
    confinement: {
      mode: 'bwrap',
      bwrap: probe.bwrap,
      userns: probe.userns,
      hide: hiddenPaths(opts.daemonHome, opts.hide),
    },
  };
}
