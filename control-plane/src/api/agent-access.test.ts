import { eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { forEachDatabase } from '@openase/test-kit/databases';
import { appRouter } from './router.js';
import { createProject } from '../projects/projects.js';
import { createTicket } from '../tickets/tickets.js';
import { listStatuses } from '../statuses/statuses.js';
import { runs, workflows, workflowVersions } from '../db/schema.js';
import { authenticateRunToken, mintRunToken, revokeRunTokens } from '../auth/run-tokens.js';
import { AGENT_PROCEDURES } from './agent-access.js';
import { insertRun } from '../../test/agent-project.js';

forEachDatabase('run tokens and what agents may call', (get) => {
  let projectCount = 0;
  async function setup(scopes: string[], extraMoveTo: string[] = []) {
    const { deps, admin } = get();
    const n = ++projectCount;
    const project = await createProject(deps, admin, { name: `Agents ${n}`, ticketPrefix: `AG${n}` });
    const other = await createProject(deps, admin, { name: `Other ${n}`, ticketPrefix: `OT${n}` });
    const st = Object.fromEntries((await listStatuses(deps.db, project.id)).map((s) => [s.name, s.id]));
    const own = await createTicket(deps, admin, { project: project.slug, title: 'own ticket', status: 'In Progress' });
    const sibling = await createTicket(deps, admin, { project: project.slug, title: 'sibling' });
    const foreign = await createTicket(deps, admin, { project: other.slug, title: 'elsewhere' });
    const now = deps.clock.now();
    const workflowId = deps.ids.uuid();
    const versionId = deps.ids.uuid();
    await deps.db.insert(workflows).values({
      id: workflowId,
      projectId: project.id,
      name: 'dev',
      currentVersionId: versionId,
      createdAt: now,
      updatedAt: now,
    });
    await deps.db.insert(workflowVersions).values({
      id: versionId,
      workflowId,
      version: 1,
      source: '',
      harness: {},
      body: '',
      pickupStatusIds: [st.Todo!],
      finishStatusIds: [st['In Review']!],
      createdBy: 'test',
      createdAt: now,
    });
    const runId = await insertRun(deps, admin, {
      projectId: project.id,
      ticketId: own.id,
      workflowId,
      workflowVersionId: versionId,
    });
    const token = await deps.db.transaction((tx) =>
      mintRunToken(tx, deps, {
        runId,
        scopes,
        moveToStatusIds: [st['In Review']!, ...extraMoveTo.map((n) => st[n]!)],
        expiresAt: new Date(now.getTime() + 3600_000),
      }),
    );
    const actor = await authenticateRunToken(deps, token);
    const agent = appRouter.createCaller({ deps, actor });
    return { project, other, own, sibling, foreign, runId, token, agent };
  }

  it('lets an agent comment on and read its own ticket, and nothing of other projects', async () => {
    const { agent, own, sibling, foreign, project, other } = await setup(['tickets.read', 'tickets.comment']);
    await agent.comments.add({ ticket: own.identifier, body: 'working on it' });
    await expect(agent.comments.add({ ticket: sibling.identifier, body: 'x' })).rejects.toThrow(
      /only act on its own ticket, not/,
    );
    expect((await agent.tickets.show({ ticket: sibling.identifier })).identifier).toBe(sibling.identifier);
    await expect(agent.tickets.show({ ticket: foreign.identifier })).rejects.toThrow(/own project/);
    expect((await agent.tickets.list({ project: project.slug })).items.length).toBe(2);
    await expect(agent.tickets.list({ project: other.slug })).rejects.toThrow(/own project/);
  });

  it('refuses every procedure outside the allowlist, and scopes the workflow did not grant', async () => {
    const { agent, own, project } = await setup(['tickets.read']);
    await expect(agent.projects.create({ name: 'Takeover' })).rejects.toThrow(
      /a run token cannot call projects\.create/,
    );
    await expect(agent.tokens.list()).rejects.toThrow(/admin|cannot call/);
    await expect(
      agent.statuses.delete({ project: project.slug, status: 'Done', moveTicketsTo: 'Todo' }),
    ).rejects.toThrow(/cannot call statuses\.delete/);
    await expect(agent.comments.add({ ticket: own.identifier, body: 'x' })).rejects.toThrow(
      /does not grant "tickets\.comment"/,
    );
    expect(AGENT_PROCEDURES).not.toContain('tickets.archive');
  });

  it('turns a move to a finish status into a finish request, refuses other statuses, and applies granted extras', async () => {
    const { deps } = get();
    const { agent, own, runId } = await setup(['tickets.read', 'tickets.move'], ['Backlog']);
    const requested = await agent.tickets.move({ ticket: own.identifier, status: 'In Review' });
    expect(requested.pendingStatus).toBe('In Review');
    const [run] = await deps.db.select().from(runs).where(eq(runs.id, runId));
    expect(run!.finishRequestedStatusId).not.toBeNull();
    const shown = await agent.tickets.show({ ticket: own.identifier });
    expect(shown.status.name).toBe('In Progress');
    await expect(agent.tickets.move({ ticket: own.identifier, status: 'Done' })).rejects.toThrow(
      /only to In Review or Backlog, not Done|only to Backlog or In Review, not Done/,
    );
    const moved = await agent.tickets.move({ ticket: own.identifier, status: 'Backlog' });
    expect(moved.pendingStatus).toBeNull(); // the reply always names it (domain/replies.ts)
    expect((await agent.tickets.show({ ticket: own.identifier })).status.name).toBe('Backlog');
  });

  it('creates child tickets only under its own ticket with tickets.create_child', async () => {
    const { agent, own, sibling, project } = await setup(['tickets.create_child', 'tickets.report_progress']);
    const child = await agent.tickets.create({ project: project.slug, title: 'follow-up', parent: own.identifier });
    expect(child.parentId).toBe(own.id);
    await expect(agent.tickets.create({ project: project.slug, title: 'orphan' })).rejects.toThrow(
      /children of its own ticket/,
    );
    await expect(
      agent.tickets.create({ project: project.slug, title: 'x', parent: sibling.identifier }),
    ).rejects.toThrow(/own ticket/);
    const entry = await agent.tickets.reportProgress({
      ticket: own.identifier,
      text: 'tests pass locally',
      percent: 60,
    });
    expect(entry).toMatchObject({ text: 'tests pass locally', percent: 60, by: expect.stringMatching(/^agent \(/) });
  });

  it('stops accepting a token once its run ended or it was revoked or it expired', async () => {
    const { deps } = get();
    const { token, runId } = await setup(['tickets.read']);
    await deps.db.transaction((tx) => revokeRunTokens(tx, deps, runId));
    await expect(authenticateRunToken(deps, token)).rejects.toThrow(/no longer valid/);
    const second = await setup(['tickets.read']);
    await deps.db.update(runs).set({ state: 'succeeded' }).where(eq(runs.id, second.runId));
    await expect(authenticateRunToken(deps, second.token)).rejects.toThrow(/has ended \(succeeded\)/);
    const third = await setup(['tickets.read']);
    const later = { ...deps, clock: { now: () => new Date(Date.now() + 2 * 3600_000) } };
    await expect(authenticateRunToken(later, third.token)).rejects.toThrow(/expired/);
    await expect(authenticateRunToken(deps, third.token.slice(0, -3) + 'AAA')).rejects.toThrow(/not valid/);
    await expect(authenticateRunToken(deps, 'oar_nope')).rejects.toThrow(/malformed/);
  });
});
