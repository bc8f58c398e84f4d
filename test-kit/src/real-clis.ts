/**
 * The real agent CLIs at pinned versions, installed on demand into a cache outside the repo
 * (`~/.cache/openase/clis/<pkg>-<version>`, or $OPENASE_CLI_CACHE) once and reused. The native
 * binaries are large (Claude 245 MB, Codex 404 MB), so the main install stays light.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const PINNED_CLIS = {
  claude: { pkg: '@anthropic-ai/claude-code', version: '2.1.197', bin: 'claude' },
  codex: { pkg: '@openai/codex', version: '0.169.0', bin: 'codex' },
  gemini: { pkg: '@google/gemini-cli', version: '0.61.0', bin: 'gemini' },
} as const;
export type PinnedCli = keyof typeof PINNED_CLIS;

export const cliCacheDir = () => process.env.OPENASE_CLI_CACHE ?? path.join(os.homedir(), '.cache', 'openase', 'clis');

/**
 * Path of the CLI's executable, installing it first when missing (progress on stderr). Installs
 * go to a temporary folder renamed into place, so an interrupted install is never reused.
 */
export function ensureCli(cli: PinnedCli): string {
  const { pkg, version, bin } = PINNED_CLIS[cli];
  const dir = path.join(cliCacheDir(), `${pkg.split('/').pop()}-${version}`);
  const executable = path.join(dir, 'node_modules', '.bin', bin);
  if (existsSync(executable)) return executable;
  const partial = `${dir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  process.stderr.write(`[real-clis] installing ${pkg}@${version} into ${dir} (one time, large download)…\n`);
  const started = Date.now();
  execFileSync(
    'npm',
    ['install', '--prefix', partial, '--no-audit', '--no-fund', '--loglevel=error', `${pkg}@${version}`],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  if (!existsSync(executable)) {
    try {
      renameSync(partial, dir);
    } catch {
      // another test process won the race: use its install
    }
  }
  rmSync(partial, { recursive: true, force: true });
  process.stderr.write(`[real-clis] ${pkg}@${version} ready in ${Math.round((Date.now() - started) / 1000)} s\n`);
  if (!existsSync(executable)) throw new Error(`installing ${pkg}@${version} did not produce ${executable}`);
  return executable;
}
