/**
 * Projects and rows for tests of dispatch: a project whose `claude` agent runs on machines labelled with the
 * project's slug under a `dev` workflow, and machines and runs inserted directly where no command makes them.
 */
import type { AgentCreateInput } from '@openase/shared';
import type { Actor, Deps } from '../src/kernel/context.js';
import { machines, runs } from '../src/db/schema.js';
import { createProject } from '../src/projects/projects.js';
import { addRepository } from '../src/projects/repositories.js';
import { createAgent } from '../src/agents/agents.js';
import { importWorkflow } from '../src/workflows/workflows.js';

export interface AgentProjectOptions {
  slug: string;
  ticketPrefix: string;
  /** The `claude` agent's settings beyond its adapter and machine labels. */
  agent?: Omit<AgentCreateInput, 'project' | 'name' | 'adapter'>;
  /** The workflow's harness lines after `pickup: [Todo]` (its `finish` among them). */
  harness: string;
  /** The workflow's prompt. */
  body: string;
  /** Whether the project has the repository `app` (default yes). */
  repository?: boolean;
}

export async function agentProject(deps: Deps, admin: Actor, o: AgentProjectOptions) {
  const project = await createProject(deps, admin, { name: o.slug, ticketPrefix: o.ticketPrefix });
  if (o.repository !== false)
    await addRepository(deps, admin, { project: o.slug, url: 'file:///srv/git/app.git', name: 'app' });
  const agent = await createAgent(deps, admin, {
    project: o.slug,
    name: 'claude',
    adapter: 'claude-code',
    machineLabels: [o.slug],
    ...o.agent,
  });
  const workflow = await importWorkflow(deps, admin, {
    project: o.slug,
    source: `---\nname: dev\nagent: claude\npickup: [Todo]\n${o.harness}---\n${o.body}\n`,
  });
  return { project, agent, workflow };
}

/** Inserts a reverse machine of the admin's organization that is connected (it has a session); answers its id. */
export async function insertMachine(
  deps: Deps,
  admin: Actor,
  values: Omit<typeof machines.$inferInsert, 'id' | 'orgId' | 'kind' | 'createdAt'>,
): Promise<string> {
  const id = deps.ids.uuid();
  await deps.db.insert(machines).values({
    id,
    orgId: admin.orgId,
    kind: 'reverse',
    sessionId: `s-${id}`,
    createdAt: new Date(),
    ...values,
  });
  return id;
}

/** Inserts an agent run of the admin's organization, running unless said; answers its id. */
export async function insertRun(
  deps: Deps,
  admin: Actor,
  values: Partial<typeof runs.$inferInsert> & Pick<typeof runs.$inferInsert, 'projectId'>,
): Promise<string> {
  const id = deps.ids.uuid();
  const now = deps.clock.now();
  await deps.db.insert(runs).values({
    id,
    orgId: admin.orgId,
    kind: 'agent',
    spec: {},
    state: 'running',
    createdBy: 'test',
    createdAt: now,
    updatedAt: now,
    ...values,
  });
  return id;
}
