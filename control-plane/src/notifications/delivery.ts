/**
 * Sending deliveries. A webhook gets the event as JSON, signed: `X-OpenASE-Timestamp` (unix seconds) and
 * `X-OpenASE-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`. A Slack channel gets an
 * incoming-webhook message. A 2xx answer delivers; anything else is retried with exponential backoff
 * (base × 4^n) until `maxAttempts`, each attempt logged with its response code.
 *
 * A delivery is claimed by moving its next attempt a lease into the future in a short transaction; the HTTP call
 * happens outside any transaction. A replica that dies mid-send leaves it to be retried when the lease ends.
 */
import { createHmac } from 'node:crypto';
import { and, asc, eq, lte } from 'drizzle-orm';
import { backoffDelay, WEBHOOK_HEADERS } from '@openase/shared';
import { notificationAttempts, notificationChannels, notificationDeliveries } from '../db/schema.js';
import type { Deps } from '../kernel/context.js';

export interface DeliveryPolicy {
  /** First retry after this long; each next one waits 4× longer. */
  retryBaseMs: number;
  maxAttempts: number;
  timeoutMs: number;
  /** How long a claimed delivery is reserved for the replica sending it. */
  leaseMs: number;
}
export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = {
  retryBaseMs: 10_000,
  maxAttempts: 7,
  timeoutMs: 10_000,
  leaseMs: 60_000,
};

export function signature(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export const retryDelayMs = (policy: DeliveryPolicy, attempt: number) =>
  backoffDelay(attempt - 1, { baseMs: policy.retryBaseMs, factor: 4 });

type Payload = { title: string; text: string; url: string | null; event: string };

/** A Slack incoming-webhook message: the title linked to the console, the detail below it. */
export function slackMessage(p: Payload): { text: string; blocks: unknown[] } {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const title = p.url ? `<${p.url}|${esc(p.title)}>` : esc(p.title);
  return {
    text: p.title,
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `*${title}*\n${esc(p.text)}` } }],
  };
}

export interface AttemptResult {
  ok: boolean;
  status: number | null;
  error: string | null;
  durationMs: number;
}

/** One HTTP attempt; never throws. */
export async function send(
  channel: { kind: 'webhook' | 'slack'; url: string; secret: string | null },
  delivery: { id: string; event: string; payload: unknown },
  now: Date,
  timeoutMs: number,
): Promise<AttemptResult> {
  const started = performance.now();
  const body = JSON.stringify(
    channel.kind === 'slack'
      ? slackMessage(delivery.payload as Payload)
      : { id: delivery.id, ...(delivery.payload as object) },
  );
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'OpenASE-Notifications' };
  if (channel.kind === 'webhook') {
    const ts = Math.floor(now.getTime() / 1000);
    headers[WEBHOOK_HEADERS.timestamp] = String(ts);
    headers[WEBHOOK_HEADERS.event] = delivery.event;
    headers[WEBHOOK_HEADERS.delivery] = delivery.id;
    if (channel.secret) headers[WEBHOOK_HEADERS.signature] = signature(channel.secret, ts, body);
  }
  try {
    const res = await fetch(channel.url, {
      method: 'POST',
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.arrayBuffer().catch(() => undefined);
    const ok = res.status >= 200 && res.status < 300;
    return {
      ok,
      status: res.status,
      error: ok ? null : `HTTP ${res.status}`,
      durationMs: Math.round(performance.now() - started),
    };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const why = e.name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000} s` : (e.cause?.code ?? e.message);
    return { ok: false, status: null, error: why, durationMs: Math.round(performance.now() - started) };
  }
}

/** Claims up to `limit` due deliveries for this replica. */
async function claimDue(deps: Deps, policy: DeliveryPolicy, limit: number) {
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const due = await tx
      .select({ delivery: notificationDeliveries, channel: notificationChannels })
      .from(notificationDeliveries)
      .innerJoin(notificationChannels, eq(notificationChannels.id, notificationDeliveries.channelId))
      .where(and(eq(notificationDeliveries.state, 'pending'), lte(notificationDeliveries.nextAttemptAt, now)))
      .orderBy(asc(notificationDeliveries.nextAttemptAt))
      .limit(limit)
      .for('update', { of: notificationDeliveries, skipLocked: true });
    for (const { delivery } of due)
      await tx
        .update(notificationDeliveries)
        .set({ nextAttemptAt: new Date(now.getTime() + policy.leaseMs) })
        .where(eq(notificationDeliveries.id, delivery.id));
    return due;
  });
}

/** Sends one claimed delivery and records the attempt and what happens next. */
export async function attempt(
  deps: Deps,
  policy: DeliveryPolicy,
  delivery: typeof notificationDeliveries.$inferSelect,
  channel: typeof notificationChannels.$inferSelect,
  opts: { maxAttempts?: number } = {},
): Promise<AttemptResult> {
  const result = await send(
    {
      kind: channel.kind,
      url: deps.secrets.decrypt(channel.urlEnc),
      secret: channel.secretEnc ? deps.secrets.decrypt(channel.secretEnc) : null,
    },
    delivery,
    deps.clock.now(),
    policy.timeoutMs,
  );
  const n = delivery.attempts + 1;
  const now = deps.clock.now();
  const giveUp = !result.ok && n >= (opts.maxAttempts ?? policy.maxAttempts);
  await deps.db.transaction(async (tx) => {
    await tx.insert(notificationAttempts).values({
      id: deps.ids.uuid(),
      deliveryId: delivery.id,
      attempt: n,
      status: result.status,
      error: result.error,
      durationMs: result.durationMs,
      at: now,
    });
    await tx
      .update(notificationDeliveries)
      .set({
        attempts: n,
        lastStatus: result.status,
        lastError: result.error,
        state: result.ok ? 'delivered' : giveUp ? 'failed' : 'pending',
        nextAttemptAt: result.ok || giveUp ? null : new Date(now.getTime() + retryDelayMs(policy, n)),
        ...(result.ok ? { deliveredAt: now } : {}),
      })
      .where(eq(notificationDeliveries.id, delivery.id));
  });
  return result;
}

/** Sends what is due now; returns how many were attempted. */
export async function deliverDue(deps: Deps, policy: DeliveryPolicy, limit = 20): Promise<number> {
  const due = await claimDue(deps, policy, limit);
  await Promise.all(due.map(({ delivery, channel }) => attempt(deps, policy, delivery, channel)));
  return due.length;
}
