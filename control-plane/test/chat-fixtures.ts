/**
 * A Project AI conversation to test against: a project with a Claude agent, a machine that has it, a started
 * conversation.
 */
import type { Actor, Deps } from '../src/kernel/context.js';
import { createProject } from '../src/projects/projects.js';
import { createAgent } from '../src/agents/agents.js';
import { machines } from '../src/db/schema.js';
import { createConversation } from '../src/chat/conversations.js';
import { addRepository } from '../src/projects/repositories.js';

/** A one-workflow file for the `claude` agent: picks up Todo, finishes in In Review. */
export const HARNESS = `---
name: dev
agent: claude
pickup: [Todo]
finish: [In Review]
---
Work on {{ ticket.identifier }}.
`;

export async function startTestConversation(
  deps: Deps,
  admin: Actor,
  o: { name: string; prefix: string; machine: string; message: string; repoUrl?: string },
) {
  const project = await createProject(deps, admin, { name: o.name, ticketPrefix: o.prefix });
  await createAgent(deps, admin, { project: project.slug, name: 'claude', adapter: 'claude-code' });
  if (o.repoUrl) await addRepository(deps, admin, { project: project.slug, url: o.repoUrl, name: 'app' });
  const machineId = deps.ids.uuid();
  await deps.db.insert(machines).values({
    id: machineId,
    orgId: admin.orgId,
    name: o.machine,
    kind: 'reverse',
    slots: 2,
    clis: [{ name: 'claude', path: '/usr/bin/claude' }],
    sessionId: deps.ids.uuid(),
    createdAt: deps.clock.now(),
  });
  const started = await createConversation(deps, admin, { project: project.slug, message: o.message, attachments: [] });
  return { project, machineId, started };
}
