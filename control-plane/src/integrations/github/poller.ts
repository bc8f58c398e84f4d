/**
 * Polling, the fallback for webhooks that never came (no public URL, a delivery lost): on the
 * leader, open pull requests not synced for `intervalMs` are synced from GitHub's API, a few per
 * pass, and so are the issues of linked repositories changed since their last look (`since`).
 * Every read is conditional (client.ts: `If-None-Match`), so polling what did not change costs no
 * rate limit; it ends in the same sync as a webhook, so either acts once.
 * `OPENASE_GITHUB_POLL_SECONDS` sets the interval (default 60; 0 turns polling off).
 */
import { and, asc, eq, isNull, lt, or } from 'drizzle-orm';
import { githubLinks, pullRequests } from '../../db/schema.js';
import type { Deps } from '../../kernel/context.js';
import { errField } from '../../kernel/logger.js';
import { githubError } from './client.js';
import { syncPullRequest } from './sync.js';
import { pollIssues } from './issues.js';

export class GithubPoller {
  private timer: NodeJS.Timeout | null = null;
  private passing: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: Deps,
    private readonly opts: { intervalMs: number; isLeader: () => boolean; batch?: number },
  ) {}

  start(): void {
    if (this.opts.intervalMs <= 0) return;
    this.timer = setInterval(
      () => {
        this.passing = this.passing.then(async () => void (await this.pass()));
      },
      Math.min(this.opts.intervalMs, 10_000),
    );
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.passing;
  }

  /** One pass: the least recently synced open pull requests, and linked issues, due for a look. */
  async pass(): Promise<number> {
    if (!this.opts.isLeader()) return 0;
    const due = new Date(this.deps.clock.now().getTime() - this.opts.intervalMs);
    return (await this.pullRequests(due)) + (await this.issues(due));
  }

  private async issues(due: Date): Promise<number> {
    const links = await this.deps.db
      .select({ projectId: githubLinks.projectId, repo: githubLinks.issuesRepo })
      .from(githubLinks)
      .where(
        and(
          eq(githubLinks.issuesSync, true),
          or(isNull(githubLinks.issuesSyncedAt), lt(githubLinks.issuesSyncedAt, due)),
        ),
      )
      .orderBy(asc(githubLinks.issuesSyncedAt))
      .limit(this.opts.batch ?? 20);
    for (const link of links) {
      const changed = await pollIssues(this.deps, link.projectId).catch((err: unknown) => {
        this.deps.log.warn(
          { component: 'github', repo: link.repo, ...errField(err) },
          `[github] polling the issues of ${link.repo} failed: ${githubError(err)}`,
        );
        return 0;
      });
      if (changed)
        this.deps.log.info(
          { component: 'github', repo: link.repo },
          `[github] polled issues of ${link.repo}: ${changed} changed`,
        );
    }
    return links.length;
  }

  private async pullRequests(due: Date): Promise<number> {
    const rows = await this.deps.db
      .select()
      .from(pullRequests)
      .where(and(eq(pullRequests.state, 'open'), or(isNull(pullRequests.syncedAt), lt(pullRequests.syncedAt, due))))
      .orderBy(asc(pullRequests.syncedAt))
      .limit(this.opts.batch ?? 20);
    for (const row of rows) {
      try {
        const outcome = await syncPullRequest(this.deps, row);
        if (outcome !== 'unchanged')
          this.deps.log.info(
            { component: 'github', pr: row.number, remote: row.remote },
            `[github] polled ${row.remote}#${row.number}: ${outcome}`,
          );
        if (outcome === 'no_token' || outcome === 'not_github')
          await this.deps.db
            .update(pullRequests)
            .set({ syncedAt: this.deps.clock.now() })
            .where(eq(pullRequests.id, row.id));
      } catch (err) {
        await this.deps.db
          .update(pullRequests)
          .set({ syncedAt: this.deps.clock.now() })
          .where(eq(pullRequests.id, row.id));
        this.deps.log.warn(
          { component: 'github', pr: row.number, remote: row.remote, ...errField(err) },
          `[github] polling ${row.remote}#${row.number} failed: ${githubError(err)}`,
        );
      }
    }
    return rows.length;
  }
}
