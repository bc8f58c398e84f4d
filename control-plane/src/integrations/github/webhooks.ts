/**
 * GitHub webhooks: `POST /webhooks/github/<project id>` (the URL `openase project github` prints).
 * Each delivery must carry `X-Hub-Signature-256`, the HMAC SHA-256 of the raw body with the
 * project's webhook secret: a missing or wrong signature (or a project with no secret) is refused
 * with 401 and logged. A delivery is handled once by its `X-GitHub-Delivery` id (a redelivery
 * answers `duplicate`). Pull request, review, check and status events make the pull requests
 * concerned sync from GitHub's API (sync.ts), issue events the linked repository's issue
 * (issues.ts); a failed sync forgets the delivery, so GitHub's
 * redelivery retries it.
 */
import crypto from 'node:crypto';
import type { Env, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { and, eq } from 'drizzle-orm';
import { githubLinks, pullRequests, tickets, webhookDeliveries } from '../../db/schema.js';
import type { Deps } from '../../kernel/context.js';
import { errField } from '../../kernel/logger.js';
import { githubError } from './client.js';
import { syncPullRequest } from './sync.js';
import { onIssueWebhook } from './issues.js';

/** GitHub caps payloads at 25 MB; the events used here are far smaller. */
const MAX_BODY = 5 * 1024 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function webhookPath(projectId: string): string {
  return `/webhooks/github/${projectId}`;
}

/** `sha256=<hex>` of the body with the secret, compared in constant time. */
export function verifySignature(secret: string, body: Buffer, header: string | undefined): boolean {
  const m = /^sha256=([0-9a-f]{64})$/i.exec(header ?? '');
  if (!m) return false;
  const expected = crypto.createHmac('sha256', secret).update(body).digest();
  return crypto.timingSafeEqual(expected, Buffer.from(m[1]!, 'hex'));
}

export function signPayload(secret: string, body: string | Buffer): string {
  return `sha256=${crypto.createHmac('sha256', secret).update(body).digest('hex')}`;
}

interface Payload {
  repository?: { full_name?: string };
  pull_request?: { number?: number };
  issue?: { number?: number };
  check_run?: { head_sha?: string };
  check_suite?: { head_sha?: string };
  sha?: string;
}

/** The pull requests a delivery is about: by number (pull request events) or by head commit (checks, statuses). */
function concerned(event: string, p: Payload): { number?: number; sha?: string } | null {
  if (event.startsWith('pull_request') && typeof p.pull_request?.number === 'number')
    return { number: p.pull_request.number };
  const sha =
    event === 'check_run'
      ? p.check_run?.head_sha
      : event === 'check_suite'
        ? p.check_suite?.head_sha
        : event === 'status'
          ? p.sha
          : undefined;
  return sha ? { sha } : null;
}

export function mountGithubWebhooks<E extends Env>(app: Hono<E>, deps: Deps): void {
  const tooLarge = (c: import('hono').Context) =>
    c.json({ error: { code: 'PAYLOAD_TOO_LARGE', message: `webhook payload larger than ${MAX_BODY} bytes` } }, 413);
  app.post('/webhooks/github/:projectId', bodyLimit({ maxSize: MAX_BODY, onError: tooLarge }), async (c) => {
    const projectId = c.req.param('projectId');
    const delivery = c.req.header('x-github-delivery') ?? '';
    const event = c.req.header('x-github-event') ?? '';
    const body = Buffer.from(await c.req.arrayBuffer());
    const refuse = (why: string) => {
      deps.log.warn(
        { component: 'github', project: projectId, delivery, event, ip: c.req.header('x-forwarded-for') },
        `[github] refused webhook delivery ${delivery || '(no id)'} for project ${projectId}: ${why}`,
      );
      return c.json({ error: { code: 'UNAUTHORIZED', message: why } }, 401);
    };
    if (!UUID.test(projectId)) return refuse('unknown project');
    const [link] = await deps.db.select().from(githubLinks).where(eq(githubLinks.projectId, projectId));
    if (!link?.webhookSecret)
      return refuse('this project has no webhook secret (`openase project github --webhook-secret`)');
    if (!verifySignature(deps.secrets.decrypt(link.webhookSecret), body, c.req.header('x-hub-signature-256')))
      return refuse('bad signature (X-Hub-Signature-256 does not match the project webhook secret)');
    if (!delivery || delivery.length > 100 || !event)
      return c.json(
        { error: { code: 'BAD_REQUEST', message: 'X-GitHub-Delivery and X-GitHub-Event are required' } },
        400,
      );
    const fresh = await deps.db
      .insert(webhookDeliveries)
      .values({ id: delivery, projectId, event, outcome: 'received', receivedAt: deps.clock.now() })
      .onConflictDoNothing()
      .returning({ id: webhookDeliveries.id });
    if (!fresh.length) return c.json({ ok: true, outcome: 'duplicate' });
    let payload: Payload;
    try {
      payload = JSON.parse(body.toString('utf8')) as Payload;
    } catch {
      await setOutcome(deps, delivery, 'not JSON');
      return c.json({ error: { code: 'BAD_REQUEST', message: 'the payload must be JSON' } }, 400);
    }
    const remote = payload.repository?.full_name;
    if (event === 'issues' && remote && typeof payload.issue?.number === 'number') {
      const number = payload.issue.number;
      return handled(() => onIssueWebhook(deps, projectId, remote, number));
    }
    const about = concerned(event, payload);
    if (!about || !remote) {
      await setOutcome(deps, delivery, event === 'ping' ? 'ping' : 'ignored');
      return c.json({ ok: true, outcome: event === 'ping' ? 'ping' : 'ignored' });
    }
    const rows = await deps.db
      .select({ pr: pullRequests })
      .from(pullRequests)
      .innerJoin(tickets, eq(tickets.id, pullRequests.ticketId))
      .where(
        and(
          eq(tickets.projectId, projectId),
          eq(pullRequests.remote, remote),
          about.number !== undefined ? eq(pullRequests.number, about.number) : eq(pullRequests.headSha, about.sha!),
        ),
      );
    return handled(async () => {
      const outcomes: string[] = [];
      for (const { pr } of rows) outcomes.push(await syncPullRequest(deps, pr));
      return outcomes.length ? outcomes.join(',') : 'no pull request of this project';
    });

    /** Runs the sync behind a delivery: its outcome recorded, or the delivery forgotten (GitHub redelivers). */
    async function handled(sync: () => Promise<string>) {
      let outcome: string;
      try {
        outcome = await sync();
      } catch (err) {
        await deps.db.delete(webhookDeliveries).where(eq(webhookDeliveries.id, delivery));
        deps.log.error(
          { component: 'github', project: projectId, delivery, event, ...errField(err) },
          `[github] webhook delivery ${delivery} (${event}) could not be handled: ${githubError(err)}`,
        );
        return c.json({ error: { code: 'INTERNAL', message: `could not sync: ${githubError(err)}` } }, 502);
      }
      await setOutcome(deps, delivery, outcome);
      deps.log.info(
        { component: 'github', project: projectId, delivery, event },
        `[github] webhook ${event} ${delivery}: ${outcome}`,
      );
      return c.json({ ok: true, outcome });
    }
  });
}

async function setOutcome(deps: Deps, id: string, outcome: string) {
  await deps.db
    .update(webhookDeliveries)
    .set({ outcome: outcome.slice(0, 200) })
    .where(eq(webhookDeliveries.id, id));
}
