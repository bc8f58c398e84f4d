/**
 * The fake GitHub's webhooks (fake-github.ts): each is sent as GitHub sends it, signed with the secret.
 */
import crypto from 'node:crypto';

export interface WebhookTarget {
  url: string;
  secret: string;
}

export interface WebhookOutcome {
  status: number;
  body: { outcome?: string; error?: { message: string } };
}

/** Sends a webhook as GitHub does (signed with `secret`, default the configured one); none configured: not sent. */
export async function sendWebhook(
  webhook: WebhookTarget | null,
  event: string,
  payload: Record<string, unknown>,
  o: { secret?: string; delivery?: string } = {},
): Promise<WebhookOutcome> {
  // No webhook configured: GitHub changes state silently (what polling is for).
  if (!webhook) return { status: 0, body: {} };
  const body = JSON.stringify(payload);
  const signature = `sha256=${crypto
    .createHmac('sha256', o.secret ?? webhook.secret)
    .update(body)
    .digest('hex')}`;
  const res = await fetch(webhook.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': o.delivery ?? crypto.randomUUID(),
      'x-hub-signature-256': signature,
      'user-agent': 'GitHub-Hookshot/fake',
    },
    body,
  });
  return { status: res.status, body: (await res.json().catch(() => ({}))) as never };
}
