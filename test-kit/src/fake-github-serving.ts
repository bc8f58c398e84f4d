import { createFakeGithub, type FakeGithub } from './fake-github.js';

/**
 * A listening fake GitHub that serves the bare repository `gitDir` as `repo`, and the control plane
 * environment pointing its GitHub integration there, with polling off (webhooks only).
 */
export async function fakeGithubServing(
  repo: string,
  gitDir: string,
  token: string,
): Promise<{ github: FakeGithub; apiUrl: string; env: Record<string, string> }> {
  const github = createFakeGithub({ token });
  github.repo(repo).gitDir = gitDir;
  const apiUrl = await github.listen();
  const env = {
    OPENASE_GITHUB_API_URL: apiUrl,
    OPENASE_GITHUB_HOST: new URL(apiUrl).host,
    OPENASE_GITHUB_POLL_SECONDS: '0',
  };
  return { github, apiUrl, env };
}
