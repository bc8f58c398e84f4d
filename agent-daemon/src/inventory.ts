/** The agent CLIs (and tools) found on PATH, with the version each prints for `--version`. */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface CliInfo {
  name: string;
  version: string | null;
  path: string;
}

export const INVENTORY_NAMES = ['claude', 'codex', 'gemini', 'git', 'node'] as const;

export function findOnPath(name: string, envPath = process.env.PATH ?? ''): string | null {
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      /* not here */
    }
  }
  return null;
}

function version(file: string): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(file, ['--version'], { timeout: 10_000, maxBuffer: 64 * 1024 }, (err, stdout, stderr) => {
      if (err) return resolve(null);
      const text = `${stdout}\n${stderr}`.trim();
      const m = /\d+\.\d+(?:\.\d+)?(?:[-+][\w.]+)?/.exec(text);
      resolve(m ? m[0] : text.split('\n')[0]!.slice(0, 100) || null);
    });
  });
}

export async function detectClis(
  names: readonly string[] = INVENTORY_NAMES,
  envPath = process.env.PATH ?? '',
): Promise<CliInfo[]> {
  const found = names
    .map((name) => ({ name, file: findOnPath(name, envPath) }))
    .filter((c): c is { name: string; file: string } => !!c.file);
  return Promise.all(found.map(async (c) => ({ name: c.name, path: c.file, version: await version(c.file) })));
}

/**
 * Whether an agent's own command can be started here: a path is checked as it is (a relative one
 * only exists in the worktree, so it counts as found), a bare name is looked up on PATH.
 */
export function commandExists(command: string, envPath = process.env.PATH ?? ''): boolean {
  if (!command.includes('/')) return findOnPath(command, envPath) !== null;
  if (!path.isAbsolute(command)) return true;
  try {
    fs.accessSync(command, fs.constants.X_OK);
    return fs.statSync(command).isFile();
  } catch {
    return false;
  }
}

/**
 * The agents' commands this daemon was offered, checked again at each heartbeat: the control
 * plane's placement skips a machine that reports one missing, and places it again once it exists.
 */
export class CommandChecks {
  private readonly checked = new Map<string, string>();
  private static readonly MAX = 200;

  /** Checks one command now and remembers it for the heartbeats. */
  check(command: string, envPath = process.env.PATH ?? ''): boolean {
    if (!this.checked.has(command) && this.checked.size >= CommandChecks.MAX)
      this.checked.delete(this.checked.keys().next().value!);
    this.checked.set(command, envPath);
    return commandExists(command, envPath);
  }

  report(): Array<{ command: string; found: boolean }> {
    return [...this.checked].map(([command, envPath]) => ({ command, found: commandExists(command, envPath) }));
  }
}
