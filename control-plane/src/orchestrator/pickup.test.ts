import { expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { forEachDatabase, type TestDb } from '@openase/test-kit/databases';
import { updateProject } from '../projects/projects.js';
import { createTicket, archiveTicket, moveTicket } from '../tickets/tickets.js';
import { linkTickets } from '../tickets/dependencies.js';
import { updateAgent } from '../agents/agents.js';
import { updateStatus } from '../statuses/statuses.js';
import { setWorkflowActive, updateWorkflow } from '../workflows/workflows.js';
import { machines, runs, tickets, workflows } from '../db/schema.js';
import { whyTicket } from './pickup-facts.js';
import { claimProject, projectsWithCandidates } from './dispatcher.js';
import type { PickupReasonCode } from './gates.js';
import { agentProject, insertMachine, insertRun } from '../../test/agent-project.js';

let n = 0;

/** A project whose ticket in Todo passes every gate: agent, active workflow, a connected machine with the CLI. */
async function ready(db: TestDb, extra = '') {
  const { deps, admin } = db;
  const slug = `p${++n}`;
  const {
    project,
    agent,
    workflow: wf,
  } = await agentProject(deps, admin, {
    slug,
    ticketPrefix: `P${n}X`,
    harness: `finish: [In Review]\n${extra}`,
    body: 'Do {{ ticket.title }}',
    repository: false,
  });
  const machineId = await insertMachine(deps, admin, {
    name: `m-${slug}`,
    labels: [slug, 'linux', 'gpu'],
    slots: 2,
    clis: [{ name: 'claude', version: '2.0.0', path: '/usr/local/bin/claude' }],
  });
  const ticket = await createTicket(deps, admin, { project: slug, title: 'Add login', status: 'Todo' });
  const why = () => whyTicket(deps.db, deps.clock, admin.orgId, ticket.identifier);
  const addRun = async (over: Partial<typeof runs.$inferInsert> = {}) => {
    const other = await createTicket(deps, admin, { project: slug, title: 'other', status: 'Todo' });
    await insertRun(deps, admin, {
      projectId: project.id,
      ticketId: other.id,
      workflowId: wf.id,
      agentId: agent.id,
      machineId,
      ...over,
    });
  };
  return { slug, project, agent, wf, machineId, ticket, why, addRun };
}

const codes = (d: { reasons: Array<{ code: PickupReasonCode }> }) => d.reasons.map((r) => r.code);

forEachDatabase('ticket why (pickup gates)', (get) => {
  it('says a ticket passing every gate would be dispatched now', async () => {
    const { why, machineId } = await ready(get());
    const d = await why();
    expect(d).toMatchObject({ dispatchable: true, workflow: 'dev', agent: 'claude', reasons: [] });
    expect(d.summary).toMatch(/would be dispatched now: workflow dev, agent claude, on m-p\d+/);
    expect(machineId).toBeTruthy();
  });

  it('no active workflow picks up its status', async () => {
    const { deps, admin } = get();
    const { ticket, why } = await ready(get());
    await moveTicket(deps, admin, { ticket: ticket.identifier, status: 'Backlog' });
    const d = await why();
    expect(codes(d)).toEqual(['no_workflow']);
    expect(d.summary).toMatch(/no active workflow picks up status Backlog/);
  });

  it('workflow inactive', async () => {
    const { deps, admin } = get();
    const { slug, why } = await ready(get());
    await setWorkflowActive(deps, admin, { project: slug, workflow: 'dev', active: false });
    expect(codes(await why())).toEqual(['workflow_inactive']);
  });

  it('blocked by an unfinished ticket, until the blocker is completed', async () => {
    const { deps, admin } = get();
    const { slug, ticket, why } = await ready(get());
    const blocker = await createTicket(deps, admin, { project: slug, title: 'auth first' });
    await linkTickets(deps, admin, { blocker: blocker.identifier, blocked: ticket.identifier });
    const d = await why();
    expect(codes(d)).toEqual(['blocked']);
    expect(d.reasons[0]!.message).toBe(`it is blocked by ${blocker.identifier} (in Backlog, not completed)`);
    await moveTicket(deps, admin, { ticket: blocker.identifier, status: 'Done' });
    expect((await why()).dispatchable).toBe(true);
  });

  it('workflow without an agent', async () => {
    const { deps, admin } = get();
    const { slug, why } = await ready(get());
    await updateWorkflow(deps, admin, {
      project: slug,
      workflow: 'dev',
      source: '---\nname: dev\npickup: [Todo]\nfinish: [In Review]\n---\nDo it\n',
    });
    const d = await why();
    expect(codes(d)).toEqual(['no_agent']);
    expect(d.reasons[0]!.message).toMatch(/workflow dev names no agent/);
  });

  it('archived', async () => {
    const { deps, admin } = get();
    const { ticket, why } = await ready(get());
    await archiveTicket(deps, admin, { ticket: ticket.identifier });
    expect(codes(await why())).toEqual(['archived']);
  });

  it('already has an active run', async () => {
    const { deps } = get();
    const { ticket, why, addRun } = await ready(get());
    await addRun({ ticketId: ticket.id, state: 'preparing' });
    const d = await why();
    expect(codes(d)).toEqual(['active_run']);
    expect(d.reasons[0]!.message).toBe('it already has a run in progress (preparing)');
    await deps.db.update(runs).set({ state: 'offered' }).where(eq(runs.ticketId, ticket.id));
    expect((await why()).reasons[0]!.message).toBe('it already has a run in progress (starting)'); // not `offered`
    await deps.db.update(runs).set({ state: 'failed' }).where(eq(runs.ticketId, ticket.id));
    expect((await why()).dispatchable).toBe(true);
  });

  it('concurrency full: workflow max_concurrent', async () => {
    const { why, addRun } = await ready(get(), 'max_concurrent: 1\n');
    await addRun();
    expect(codes(await why())).toEqual(['concurrency_workflow']);
  });

  /** `limit` sets a limit of 1 in a ready project, one run fills it: the ticket is refused with `code`. */
  async function fullAtOne(limit: (project: string, max: number | null) => Promise<unknown>, code: PickupReasonCode) {
    const { slug, why, addRun } = await ready(get());
    await limit(slug, 1);
    await addRun();
    expect(codes(await why())).toEqual([code]);
    return { slug, why };
  }

  it('concurrency full: project max_concurrent_runs, changed after creation and lifted again', async () => {
    const { deps, admin } = get();
    const limit = (project: string, max: number | null) =>
      updateProject(deps, admin, { project, maxConcurrentRuns: max });
    const { slug, why } = await fullAtOne(limit, 'concurrency_project');
    await limit(slug, null);
    expect((await why()).dispatchable).toBe(true);
  });

  it('concurrency full: status max_active_runs', async () => {
    const { deps, admin } = get();
    const limit = (project: string, max: number | null) =>
      updateStatus(deps, admin, { project, status: 'Todo', maxActiveRuns: max });
    const { slug, why } = await fullAtOne(limit, 'concurrency_status');
    await limit(slug, null);
    expect((await why()).dispatchable).toBe(true);
  });

  it('concurrency full: agent max_parallel_runs', async () => {
    const { deps, admin } = get();
    await fullAtOne(
      (project, max) => updateAgent(deps, admin, { project, agent: 'claude', maxParallelRuns: max }),
      'concurrency_agent',
    );
  });

  it('budget exhausted: ticket budget, and workflow budget per ticket', async () => {
    const { deps } = get();
    const { ticket, why } = await ready(get(), 'budget_usd: 5\n');
    await deps.db.update(tickets).set({ budgetUsd: 2, costUsd: 2 }).where(eq(tickets.id, ticket.id));
    const d = await why();
    expect(codes(d)).toEqual(['budget_exhausted']);
    expect(d.reasons[0]!.message).toBe(
      `its budget is exhausted: spent $2.00 of $2.00 (raise it: \`openase ticket update ${ticket.identifier} --budget USD\`)`,
    );
    await deps.db.update(tickets).set({ budgetUsd: null, costUsd: 5.5 }).where(eq(tickets.id, ticket.id));
    expect((await why()).reasons[0]!.message).toMatch(
      /workflow dev's budget per ticket is exhausted: spent \$5.50 of \$5.00/,
    );
  });

  it('retry scheduled at T (only while T is in the future), and parked', async () => {
    const { deps } = get();
    const { ticket, why } = await ready(get());
    const at = new Date(Date.now() + 3_600_000);
    await deps.db.update(tickets).set({ nextRetryAt: at }).where(eq(tickets.id, ticket.id));
    const d = await why();
    expect(codes(d)).toEqual(['retry_scheduled']);
    expect(d.reasons[0]!.message).toBe(`a retry is scheduled at ${at.toISOString()}`);
    await deps.db
      .update(tickets)
      .set({ nextRetryAt: new Date(Date.now() - 1000), parkedReason: 'max attempts (3) reached' })
      .where(eq(tickets.id, ticket.id));
    expect((await why()).reasons).toEqual([
      {
        code: 'parked',
        message: `it is parked: max attempts (3) reached (\`openase ticket retry ${ticket.identifier}\` or a move un-parks it)`,
      },
    ]);
  });

  it("waiting for an answer to its agent's question (the dispatcher leaves it out: why says so), then dispatchable", async () => {
    const { deps } = get();
    const { ticket, why } = await ready(get());
    await deps.db
      .update(tickets)
      .set({ question: 'Which database should the cache use?', questionAskedAt: new Date() })
      .where(eq(tickets.id, ticket.id));
    const d = await why();
    expect(d.dispatchable).toBe(false);
    expect(d.reasons).toEqual([
      {
        code: 'waiting_for_answer',
        message: `it waits for an answer to its agent's question: "Which database should the cache use?" (\`openase ticket answer ${ticket.identifier} "…"\`)`,
      },
    ]);
    await deps.db.update(tickets).set({ answer: 'PostgreSQL' }).where(eq(tickets.id, ticket.id));
    expect((await why()).dispatchable).toBe(true);
  });

  it("no machine with the agent's CLI or labels; disconnected and revoked machines do not count", async () => {
    const { deps, admin } = get();
    const { slug, machineId, why } = await ready(get(), 'machine_labels: [gpu]\n');
    expect((await why()).dispatchable).toBe(true);
    await updateAgent(deps, admin, { project: slug, agent: 'claude', machineLabels: [slug, 'arm64'] });
    let d = await why();
    expect(codes(d)).toEqual(['no_machine']);
    expect(d.reasons[0]!.message).toBe(`no connected machine has the claude CLI and labels gpu, ${slug}, arm64`);
    await updateAgent(deps, admin, {
      project: slug,
      agent: 'claude',
      adapter: 'custom',
      command: '/opt/agents/my-agent',
    });
    d = await why();
    expect(d.reasons[0]!.message).toBe(
      `no connected machine has the command /opt/agents/my-agent and labels gpu, ${slug}, arm64`,
    );
    await updateAgent(deps, admin, { project: slug, agent: 'claude', adapter: 'claude-code', machineLabels: [slug] });
    expect((await why()).dispatchable).toBe(true);
    await deps.db.update(machines).set({ sessionId: null }).where(eq(machines.id, machineId));
    expect(codes(await why())).toEqual(['no_machine']);
    await deps.db.update(machines).set({ sessionId: 's2', revokedAt: new Date() }).where(eq(machines.id, machineId));
    expect(codes(await why())).toEqual(['no_machine']);
  });

  it("a custom agent's command is not in any inventory: dispatchable until the machine's daemon reports it missing", async () => {
    const { deps, admin } = get();
    const { slug, machineId, why } = await ready(get());
    await updateAgent(deps, admin, { project: slug, agent: 'claude', adapter: 'custom', command: '/tmp/bot.sh' });
    expect((await why()).dispatchable).toBe(true);
    const beat = (found: boolean) =>
      deps.db
        .update(machines)
        .set({ lastHeartbeat: { slotsUsed: 0, commands: [{ command: '/tmp/bot.sh', found }] } })
        .where(eq(machines.id, machineId));
    await beat(false);
    const d = await why();
    expect(codes(d)).toEqual(['no_machine']);
    expect(d.reasons[0]!.message).toBe(
      `no connected machine has the command /tmp/bot.sh (not found on m-${slug}) and labels ${slug}`,
    );
    await beat(true);
    expect((await why()).dispatchable).toBe(true);
  });

  it('machines busy when every matching machine has its slots taken', async () => {
    const { why, addRun } = await ready(get());
    await addRun();
    await addRun();
    expect(codes(await why())).toEqual(['machines_busy']);
  });

  it('uses the ticket workflow override, and reports several reasons at once', async () => {
    const { deps, admin } = get();
    const { project, ticket, why } = await ready(get());
    const [wf] = await deps.db.select().from(workflows).where(eq(workflows.projectId, project.id));
    await moveTicket(deps, admin, { ticket: ticket.identifier, status: 'Backlog' });
    await deps.db
      .update(tickets)
      .set({ workflowId: wf!.id, parkedReason: 'budget', archivedAt: new Date() })
      .where(eq(tickets.id, ticket.id));
    expect(codes(await why())).toEqual(['archived', 'no_workflow', 'parked']);
  });

  it('an override picks up only in its pickup statuses: a Backlog ticket waits there, not dispatched in a loop', async () => {
    // A scheduled job's template naming a workflow made such tickets (created in the default status, Backlog): the
    // gates passed, the run was canceled at once as "moved outside its workflow", and it was dispatched again.
    const { deps, admin } = get();
    const { project, ticket, wf, why } = await ready(get());
    await moveTicket(deps, admin, { ticket: ticket.identifier, status: 'Backlog' });
    await deps.db.update(tickets).set({ workflowId: wf.id }).where(eq(tickets.id, ticket.id));
    const d = await why();
    expect(codes(d)).toEqual(['no_workflow']);
    expect(d.reasons[0]!.message).toBe(
      'its workflow dev picks up tickets in Todo, and it is in Backlog (move it to be picked up)',
    );
    expect(await claimProject(deps, project.id)).toEqual([]);
    // Not a candidate either: not waiting for a slot, so its project is not claimed every sweep for it.
    expect(await projectsWithCandidates(deps)).not.toContain(project.id);
    await moveTicket(deps, admin, { ticket: ticket.identifier, status: 'Todo' });
    expect(await projectsWithCandidates(deps)).toContain(project.id);
    expect((await why()).dispatchable).toBe(true);
  });
});
