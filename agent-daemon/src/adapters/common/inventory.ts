/**
 * CLI inventory: which agent CLIs this machine has and at which versions, for heartbeats and
 * placement. Runs `<cli> --version` (no shell, short timeout, minimal env) for each adapter.
 */
import { execFile } from 'node:child_process';
import type { AgentAdapter } from '@openase/shared/domain/enums';

export interface InstalledCli {
  adapter: Exclude<AgentAdapter, 'custom'>;
  command: string;
  /** `x.y.z` when found, else undefined with `error` saying why. */
  version?: string;
  error?: string;
}

export const DEFAULT_CLI_COMMANDS: Record<InstalledCli['adapter'], string> = {
  'claude-code': 'claude',
  codex: 'codex',
  gemini: 'gemini',
};

/** `2.1.197 (Claude Code)`, `codex-cli 0.169.0`, `0.61.0` → the first x.y.z. */
export function parseVersion(output: string): string | undefined {
  return /(\d+\.\d+\.\d+(?:[-+][\w.]+)?)/.exec(output)?.[1];
}

export function detectCli(
  adapter: InstalledCli['adapter'],
  command: string,
  timeoutMs = 15_000,
): Promise<InstalledCli> {
  return new Promise((resolve) => {
    execFile(
      command,
      ['--version'],
      {
        timeout: timeoutMs,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', DISABLE_AUTOUPDATER: '1' },
      },
      (error, stdout, stderr) => {
        const version = parseVersion(`${stdout}\n${stderr}`);
        if (version && !error) return resolve({ adapter, command, version });
        const reason =
          error && 'code' in error && error.code === 'ENOENT'
            ? 'not installed'
            : error
              ? error.message.split('\n')[0]!
              : 'no version in its --version output';
        resolve({ adapter, command, error: reason });
      },
    );
  });
}

/** Every known CLI, in parallel; `commands` overrides where each is found. */
export function detectAgentClis(
  commands: Partial<Record<InstalledCli['adapter'], string>> = {},
): Promise<InstalledCli[]> {
  const all = { ...DEFAULT_CLI_COMMANDS, ...commands };
  return Promise.all(
    (Object.keys(all) as InstalledCli['adapter'][]).map((adapter) => detectCli(adapter, all[adapter])),
  );
}
