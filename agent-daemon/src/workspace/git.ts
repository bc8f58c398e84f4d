/**
 * Running git: always `execFile` with an argument array (no shell, so nothing a ticket says is
 * ever interpreted), a fixed identity and no interactive prompts. Errors carry git's own words.
 */
import { execFile, spawn } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';

export class GitError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(
      `git ${args
        .filter((a) => !a.startsWith('-c'))
        .slice(0, 3)
        .join(
          ' ',
        )} failed${exitCode === null ? '' : ` (exit ${exitCode})`}: ${stderr.trim().split('\n').slice(-3).join(' / ') || 'no output'}`,
    );
    this.name = 'GitError';
  }
}

/** The identity of commits the platform makes for an agent. */
export const AGENT_IDENTITY = { name: 'OpenASE Agent', email: 'agent@openase.invalid' };

const GIT_ENV: NodeJS.ProcessEnv = {
  GIT_TERMINAL_PROMPT: '0',
  GIT_ASKPASS: 'true',
  GIT_AUTHOR_NAME: AGENT_IDENTITY.name,
  GIT_AUTHOR_EMAIL: AGENT_IDENTITY.email,
  GIT_COMMITTER_NAME: AGENT_IDENTITY.name,
  GIT_COMMITTER_EMAIL: AGENT_IDENTITY.email,
  // Hooks, templates and the user's config must not change what the platform does.
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
};

/**
 * Given to every git the daemon runs, and through GIT_CONFIG_PARAMETERS to every git it starts in a submodule
 * or nested repository, whose own config (written by the agent) could otherwise run commands as the daemon:
 * no fsmonitor, no look into submodule work trees (only their recorded commits), no recursion into them.
 */
const SAFE_CONFIG = [
  '-c',
  'core.hooksPath=/dev/null',
  '-c',
  'core.fsmonitor=false',
  '-c',
  'diff.ignoreSubmodules=dirty',
  '-c',
  'submodule.recurse=false',
];

export interface GitResult {
  stdout: string;
  stderr: string;
}

export function git(
  args: readonly string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      [...SAFE_CONFIG, '-c', 'init.defaultBranch=main', '-c', 'advice.detachedHead=false', ...args],
      {
        cwd: opts.cwd,
        env: { ...process.env, ...GIT_ENV, ...opts.env },
        timeout: opts.timeoutMs ?? 10 * 60_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        if (err) {
          const code =
            typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code as number) : null;
          reject(new GitError(args, code, stderr || err.message));
        } else resolve({ stdout, stderr });
      },
    );
  });
}

/** True when `ref` resolves in the repository at `cwd` (or the bare repository `gitDir`). */
export async function refExists(cwdOrGitDir: { cwd?: string; gitDir?: string }, ref: string): Promise<boolean> {
  const args = [
    ...(cwdOrGitDir.gitDir ? ['--git-dir', cwdOrGitDir.gitDir] : []),
    'rev-parse',
    '--verify',
    '--quiet',
    `${ref}^{commit}`,
  ];
  try {
    await git(args, cwdOrGitDir.cwd ? { cwd: cwdOrGitDir.cwd } : {});
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs git and hands its stdout to `onText` as it arrives (UTF-8 decoded across chunk borders),
 * stopping git once `maxBytes` of output were read: the result says whether it was cut.
 */
export function gitStream(
  args: readonly string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; maxBytes: number; onText(text: string): void; timeoutMs?: number },
): Promise<{ bytes: number; tooLarge: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', [...SAFE_CONFIG, '-c', 'core.quotePath=true', ...args], {
      cwd: opts.cwd,
      env: { ...process.env, ...GIT_ENV, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const decoder = new StringDecoder('utf8');
    let bytes = 0;
    let tooLarge = false;
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 5 * 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      const room = opts.maxBytes - bytes;
      if (chunk.length > room) {
        tooLarge = true;
        if (room > 0) opts.onText(decoder.write(chunk.subarray(0, room)));
        bytes = opts.maxBytes;
        child.kill('SIGTERM');
        return;
      }
      bytes += chunk.length;
      opts.onText(decoder.write(chunk));
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 8192) stderr += chunk.toString('utf8');
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (!tooLarge) {
        const rest = decoder.end();
        if (rest) opts.onText(rest);
      }
      if (code !== 0 && !tooLarge) reject(new GitError(args, code, stderr));
      else resolve({ bytes, tooLarge });
    });
  });
}

/**
 * Why a repository's configured branch cannot be used: it is not on the remote. Names the branches the remote has
 * (from the mirror's `refs/remotes/origin/*`) and how to choose one, so the person can fix it at once.
 */
export async function missingBranchError(mirror: string, repo: { name: string; defaultBranch: string }) {
  const listed = await git(['--git-dir', mirror, 'for-each-ref', '--format=%(refname:lstrip=3)', 'refs/remotes/origin'])
    .then((r) => r.stdout.split('\n').filter((b) => b && b !== 'HEAD'))
    .catch(() => [] as string[]);
  const has = listed.length
    ? `its branches: ${listed.slice(0, 10).join(', ')}${listed.length > 10 ? ', …' : ''}`
    : 'it has no branch yet (push one)';
  return new Error(
    `repository ${repo.name} has no branch "${repo.defaultBranch}" on its remote (${has}); set the branch agents start from on the project's Repositories page or with \`openase repo update ${repo.name} --branch ${listed[0] ?? 'BRANCH'}\``,
  );
}
