/**
 * Context attached to a Project AI message, rendered into the text the agent CLI receives: a
 * ticket (identifier, status, description), a workflow (its harness file), or a file of the
 * conversation's workspace (the file lives on the machine, so the agent is told to read it there).
 */
import { eq } from 'drizzle-orm';
import type { ChatAttachment } from '@openase/shared';
import { statuses } from '../db/schema.js';
import type { DbOrTx } from '../db/database.js';
import { resolveTicket } from '../tickets/tickets.js';
import { exportWorkflow } from '../workflows/workflows.js';
import { forbidden } from '@openase/shared';

const fence = (text: string) => {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  return '`'.repeat(longest + 1);
};

export async function renderAttachment(
  db: DbOrTx,
  scope: { orgId: string; projectId: string; projectSlug: string },
  a: ChatAttachment,
): Promise<string> {
  switch (a.kind) {
    case 'ticket': {
      const t = await resolveTicket(db, scope.orgId, a.ticket);
      if (t.projectId !== scope.projectId)
        throw forbidden(`${t.identifier} belongs to another project; attach tickets of this conversation's project`);
      const [status] = await db.select({ name: statuses.name }).from(statuses).where(eq(statuses.id, t.statusId));
      const body = t.description.trim() || '(no description)';
      const f = fence(body);
      return `Attached ticket ${t.identifier} [${status?.name ?? '?'}, ${t.priority}]: ${t.title}\n${f}\n${body}\n${f}`;
    }
    case 'workflow': {
      const w = await exportWorkflow(db, scope.orgId, { project: scope.projectSlug, workflow: a.workflow });
      const f = fence(w.source);
      return `Attached workflow ${w.name} (version ${w.version}), its harness file:\n${f}markdown\n${w.source}\n${f}`;
    }
    case 'file':
      return `Attached file of your workspace: ${a.path} (read it there before answering).`;
  }
}

/** The message as the CLI gets it: the text, then each attachment. */
export async function renderMessage(
  db: DbOrTx,
  scope: Parameters<typeof renderAttachment>[1],
  text: string,
  attachments: readonly ChatAttachment[],
): Promise<string> {
  if (attachments.length === 0) return text;
  const parts = [text];
  for (const a of attachments) parts.push(await renderAttachment(db, scope, a));
  return parts.join('\n\n');
}
