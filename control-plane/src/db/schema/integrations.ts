/** A project's link to a git host (GitHub): credentials, webhook deliveries, and issues mirrored as tickets. */
import { boolean, index, integer, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, tstz, timestamps, cascadeRef } from './columns.js';
import { projects } from './projects.js';
import { tickets } from './tickets.js';

/**
 * One per project: the API token and webhook secret (both encrypted like every secret), the API
 * URL, and the repository whose issues are kept in sync with tickets (optional).
 */
export const githubLinks = pgTable('github_links', {
  projectId: uuid('project_id')
    .primaryKey()
    .references(() => projects.id, { onDelete: 'cascade' }),
  apiUrl: text('api_url').notNull(),
  /** Encrypted (secrets/cipher.ts); null = the agent's GITHUB_TOKEN secret is used. */
  token: text('token'),
  /** Encrypted; webhooks are refused until one is set. */
  webhookSecret: text('webhook_secret'),
  /** `owner/name` whose issues are imported as tickets and kept in sync both ways. */
  issuesRepo: text('issues_repo'),
  issuesSync: boolean('issues_sync').notNull().default(false),
  /** Issues updated since this time were read (polling). */
  issuesSyncedAt: tstz('issues_synced_at'),
  lastPolledAt: tstz('last_polled_at'),
  ...timestamps(),
});

/** Webhook deliveries already handled, by GitHub's delivery id: a redelivery changes nothing. */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: text('id').primaryKey(),
    projectId: cascadeRef('project_id', () => projects.id),
    event: text('event').notNull(),
    outcome: text('outcome').notNull(),
    receivedAt: tstz('received_at').notNull(),
  },
  (t) => [index('webhook_deliveries_project').on(t.projectId, t.receivedAt)],
);

/** A ticket mirrors an issue of the git host; `syncedHash` is what both sides agreed on last (echoes are skipped). */
export const externalIssues = pgTable(
  'external_issues',
  {
    ticketId: uuid('ticket_id')
      .primaryKey()
      .references(() => tickets.id, { onDelete: 'cascade' }),
    projectId: cascadeRef('project_id', () => projects.id),
    repo: text('repo').notNull(),
    number: integer('number').notNull(),
    url: text('url').notNull(),
    syncedHash: text('synced_hash').notNull(),
    remoteUpdatedAt: tstz('remote_updated_at'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('external_issues_repo_number').on(t.projectId, t.repo, t.number)],
);
