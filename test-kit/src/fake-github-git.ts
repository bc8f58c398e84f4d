/**
 * The git side of the fake GitHub (fake-github.ts): a repository may be backed by a real bare git repository
 * (`gitDir`), whose branch heads pull requests read, into which merging merges for real, and which is served
 * over smart HTTP.
 */
import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import type http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { FakePull, FakeRepo } from './fake-github-model.js';

export function git(args: string[], cwd?: string): string {
  return execFileSync(
    'git',
    ['-c', 'user.name=GitHub', '-c', 'user.email=noreply@github.invalid', '-c', 'init.defaultBranch=main', ...args],
    { cwd, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_COUNT: '0' } },
  ).trim();
}

/** Merges for real in the backing repository (or pretends); returns the merge commit. */
export function mergePull(r: FakeRepo, p: FakePull, method: string): string {
  if (!r.gitDir) return crypto.createHash('sha1').update(`merge:${p.number}`).digest('hex');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-github-merge-'));
  try {
    git(['clone', '--quiet', r.gitDir, work]);
    git(['checkout', '--quiet', p.base], work);
    if (method === 'squash') {
      git(['merge', '--squash', '--quiet', `origin/${p.head}`], work);
      git(['commit', '--quiet', '-m', `${p.title} (#${p.number})`], work);
    } else
      git(
        ['merge', '--no-ff', '--quiet', '-m', `Merge pull request #${p.number} from ${p.head}`, `origin/${p.head}`],
        work,
      );
    git(['push', '--quiet', 'origin', `HEAD:refs/heads/${p.base}`], work);
    return git(['rev-parse', 'HEAD'], work);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Git over smart HTTP for a repository with a `gitDir` (`git http-backend` as a CGI): clones and pushes reach it. */
export function serveGit(
  dir: string | undefined,
  rest: string,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  body: Buffer,
) {
  if (!dir) {
    res.writeHead(404).end();
    return;
  }
  const url = new URL(req.url!, 'http://x');
  const child = spawn('git', ['http-backend'], {
    env: {
      PATH: process.env.PATH,
      GIT_PROJECT_ROOT: path.dirname(dir),
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: `/${path.basename(dir)}${rest}`,
      QUERY_STRING: url.search.slice(1),
      REQUEST_METHOD: req.method,
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      CONTENT_LENGTH: String(body.length),
      HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
      GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
      REMOTE_ADDR: '127.0.0.1',
      REMOTE_USER: 'openase',
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'http.receivepack',
      GIT_CONFIG_VALUE_0: 'true',
    },
  });
  const out: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => out.push(c));
  // git http-backend may answer (and exit) before reading the whole body, as git's own server may: its reply is what
  // counts, so a broken pipe on the rest of the body is not an error.
  child.stdin.on('error', () => {});
  child.stdin.end(body);
  child.on('close', () => {
    const all = Buffer.concat(out);
    const split = all.indexOf('\r\n\r\n');
    const head = all.subarray(0, split).toString('utf8').split('\r\n');
    const headers: Record<string, string> = { connection: 'close' };
    let status = 200;
    for (const line of head) {
      const [k, ...v] = line.split(':');
      if (k!.toLowerCase() === 'status') status = Number.parseInt(v.join(':').trim(), 10);
      else headers[k!.trim()] = v.join(':').trim();
    }
    res.writeHead(status, headers);
    res.end(all.subarray(split + 4));
  });
}
