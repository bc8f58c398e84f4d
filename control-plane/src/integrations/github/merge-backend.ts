/**
 * Merging through GitHub (a `MergeBackend`, review/merge.ts): a ticket in its merge status whose
 * repository has an open pull request is merged with GitHub's merge API, with the project's method
 * (merge, squash, rebase), pinned to the head that was reviewed; its branch is deleted if the
 * project says so. GitHub reporting a conflict sends the ticket back to its agent; any other refusal
 * (a protected branch, a head that moved) is a merge failure shown on the ticket, retried on demand.
 * A repository without a pull request (or a token) is merged by the platform itself.
 */
import { and, eq } from 'drizzle-orm';
import type { GitMergeResult } from '@openase/shared';
import { pullRequests } from '../../db/schema.js';
import type { Deps } from '../../kernel/context.js';
import type { MergeBackend, MergeRequest } from '../../review/merge.js';
import { githubAccess, githubError, githubRepoOf, githubConfig } from './client.js';
import { ticketAgentId } from './sync.js';

export function githubMergeBackend(deps: Deps): MergeBackend {
  return {
    async merge(req: MergeRequest): Promise<GitMergeResult | null> {
      if (!githubRepoOf(req.repo.url, githubConfig().host)) return null;
      const [row] = await deps.db
        .select()
        .from(pullRequests)
        .where(and(eq(pullRequests.ticketId, req.ticket.id), eq(pullRequests.repository, req.repo.name)));
      if (!row?.remote || row.state !== 'open') return null;
      const access = await githubAccess(deps, req.ticket.projectId, await ticketAgentId(deps.db, req.ticket.id));
      if (!access) return null;
      const [owner, repo] = row.remote.split('/') as [string, string];
      const gh = { owner, repo, pull_number: row.number };
      const { data: pull } = await access.octokit.rest.pulls.get(gh);
      if (pull.merged_at)
        return merged(deps, row.id, pull.merge_commit_sha, false, `#${row.number} was merged on GitHub`);
      if (pull.mergeable === false && pull.mergeable_state === 'dirty')
        return {
          outcome: 'conflict',
          conflicts: [],
          branchDeleted: false,
          detail: `GitHub reports that pull request #${row.number} (${req.branch}) conflicts with ${req.repo.defaultBranch}: ${pull.html_url}`,
        };
      let sha: string;
      try {
        const { data } = await access.octokit.rest.pulls.merge({
          ...gh,
          merge_method: req.method,
          sha: pull.head.sha,
          commit_title: `${req.ticket.identifier}: ${req.ticket.title} (#${row.number})`.slice(0, 250),
          ...(req.approvedBy.length ? { commit_message: `Approved by ${req.approvedBy.join(', ')}.` } : {}),
        });
        sha = data.sha;
      } catch (err) {
        throw new Error(`GitHub did not merge pull request #${row.number}: ${githubError(err)}`, { cause: err });
      }
      let deleted = false;
      let kept = '';
      if (req.deleteBranch)
        await access.octokit.rest.git.deleteRef({ owner, repo, ref: `heads/${req.branch}` }).then(
          () => (deleted = true),
          (err: unknown) => (kept = `; ${req.branch} was not deleted: ${githubError(err)}`),
        );
      return merged(deps, row.id, sha, deleted, `pull request #${row.number} merged on GitHub (${req.method})${kept}`);
    },
  };
}

async function merged(
  deps: Deps,
  rowId: string,
  sha: string | null | undefined,
  branchDeleted: boolean,
  detail: string,
): Promise<GitMergeResult> {
  const now = deps.clock.now();
  await deps.db
    .update(pullRequests)
    .set({ state: 'merged', mergedAt: now, updatedAt: now })
    .where(eq(pullRequests.id, rowId));
  return {
    outcome: 'merged',
    ...(sha && /^[0-9a-f]{40,64}$/.test(sha) ? { commit: sha } : {}),
    branchDeleted,
    conflicts: [],
    detail,
  };
}
