import { eq, ne } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { DEFAULT_PROJECT_AI_SCOPES } from '@openase/shared';
import { forEachDatabase } from '@openase/test-kit/databases';
import { HARNESS, startTestConversation } from '../../test/chat-fixtures.js';
import { appRouter } from '../api/router.js';
import { createProject } from '../projects/projects.js';
import { createAgent } from '../agents/agents.js';
import { createTicket } from '../tickets/tickets.js';
import { listActivity } from '../activity/activity.js';
import { chatConversations, machines, runs } from '../db/schema.js';
import { authenticateRunToken } from '../auth/run-tokens.js';
import { materializeChatJob } from './chat-job.js';
import { decideChatTurn } from './chat-turns.js';
import { createConversation, sendMessage, updateProjectAiSettings } from './conversations.js';
import { closeConversation, closeIdleConversations } from './closing.js';
import { showConversation } from './conversation-views.js';
import { failRunsOfLostMachine } from '../runs/lifecycle.js';
import { orchestratorActor } from '../orchestrator/dispatcher.js';
import type { MachineCommand } from '../kernel/transaction.js';

forEachDatabase('Project AI conversations', (get) => {
  let n = 0;
  async function setup() {
    const { deps, admin } = get();
    const i = ++n;
    const { project, machineId, started } = await startTestConversation(deps, admin, {
      name: `Chat ${i}`,
      prefix: `CH${i}`,
      machine: `m${i}`,
      message: 'Plan the login work',
    });
    // The run as the daemon would hold it: offered and running with lease epoch 1.
    await deps.db.update(runs).set({ state: 'running', leaseEpoch: 1 }).where(eq(runs.id, started.run.id));
    const turn = (t: number, extra: object = {}) =>
      decideChatTurn(deps, {
        machineId,
        runId: started.run.id,
        leaseEpoch: 1,
        frame: {
          type: 'run.turn',
          runId: started.run.id,
          leaseEpoch: 1,
          turn: t,
          ok: true,
          lastSeq: 0,
          afterTurnFailed: false,
          pathViolations: [],
          commits: [],
          deniedTools: [],
          ...extra,
        },
      });
    return { deps, admin, project, machineId, started, id: started.conversation.id, runId: started.run.id, turn };
  }

  it('holds the turn answer until the person writes; sends it to the machine after commit (not through the log); repeats it for a repeated frame; queues while the agent works', async () => {
    const { deps, admin, project, id, runId, turn, machineId } = await setup();
    const commands: MachineCommand[] = [];
    const off = deps.bus.onCommands((cs) => commands.push(...cs));
    expect(await turn(1, { sessionId: 'sess-1' })).toBeNull();
    const [waiting] = await deps.db.select().from(chatConversations).where(eq(chatConversations.id, id));
    expect(waiting).toMatchObject({ waitingTurn: 1, sessionId: 'sess-1' });

    const sent = await sendMessage(deps, admin, {
      conversation: id.slice(0, 8),
      message: 'Add tests too',
      attachments: [],
    });
    expect(sent).toMatchObject({ delivered: true, message: { turn: 2, runId } });
    const log = await listActivity(deps.db, { projectId: project.id });
    const delivery = log.find((a) => a.action === 'chat.message')!;
    expect(commands).toEqual([
      { machineId, frame: expect.objectContaining({ type: 'run.next', runId, turn: 1, input: 'Add tests too' }) },
    ]);
    expect(commands[0]!.frame).toMatchObject({ action: 'continue' });
    // The log records that a message went to the machine, not the frame.
    expect(delivery.after).toMatchObject({ machineId, run: runId, turn: 2 });
    expect(JSON.stringify(delivery.after)).not.toContain('Add tests too');
    // The daemon asks again after a reconnect: same answer.
    expect(await turn(1)).toMatchObject({ action: 'continue', input: 'Add tests too' });

    // Written while the agent works on turn 2: both delivered together after it.
    expect((await sendMessage(deps, admin, { conversation: id, message: 'one', attachments: [] })).delivered).toBe(
      false,
    );
    await sendMessage(deps, admin, { conversation: id, message: 'two', attachments: [] });
    expect(await turn(2)).toMatchObject({ action: 'continue', input: 'one\n\ntwo' });
    expect(await turn(3)).toBeNull();
    await closeConversation(deps, admin, id);
    const closed = (await listActivity(deps.db, { projectId: project.id })).find((a) => a.action === 'chat.closed')!;
    expect(closed.after).toMatchObject({ machineId, run: runId });
    expect(commands.at(-1)).toMatchObject({
      machineId,
      frame: { type: 'run.next', action: 'stop', outcome: 'succeeded', turn: 3 },
    });
    off();
    expect(await turn(3)).toMatchObject({ action: 'stop', reason: 'the conversation was closed' });
  });

  it('queues a conversation on a full machine with the reason, and refuses at once when no machine has the CLI', async () => {
    const { deps, admin, project, machineId } = await setup();
    // Only this test's machine is connected (earlier tests left theirs in the org).
    await deps.db.update(machines).set({ sessionId: null }).where(ne(machines.id, machineId));
    // The setup's conversation holds one of the machine's two slots; the next takes the other.
    const second = await createConversation(deps, admin, { project: project.slug, message: 'second', attachments: [] });
    expect(second.run.state).toBe('queued');
    const [secondRun] = await deps.db.select().from(runs).where(eq(runs.id, second.run.id));
    expect(secondRun!.stateReason).not.toMatch(/waits/);
    // As the hub would: the second run is offered at once and starts.
    await deps.db.update(runs).set({ state: 'running', leaseEpoch: 1 }).where(eq(runs.id, second.run.id));
    const third = await createConversation(deps, admin, { project: project.slug, message: 'third', attachments: [] });
    expect((await showConversation(deps.db, admin.orgId, third.conversation.id)).waitsForSlot).toEqual({
      machine: expect.stringMatching(/^m\d+$/),
      busy: 2,
      slots: 2,
    });
    expect((await showConversation(deps.db, admin.orgId, second.conversation.id)).waitsForSlot).toBeNull();
    expect(second.run.waits).toBeNull();
    expect(third.run.waits).toMatch(/^waits for a free slot on m\d+ \(2 run\(s\) in 2 slot\(s\)\)$/);
    const [queued] = await deps.db.select().from(runs).where(eq(runs.id, third.run.id));
    expect(queued).toMatchObject({
      state: 'queued',
      machineId,
      stateReason: expect.stringMatching(/; waits for a free slot on m\d+ \(2 run\(s\) in 2 slot\(s\)\)$/),
    });
    // Closing a conversation whose run still waits cancels the run.
    await closeConversation(deps, admin, third.conversation.id);
    const [canceled] = await deps.db.select().from(runs).where(eq(runs.id, third.run.id));
    expect(canceled!.state).toBe('canceled');
    // A conversation waiting on a machine that is then lost: its run ends, it no longer waits.
    const fourth = await createConversation(deps, admin, { project: project.slug, message: 'fourth', attachments: [] });
    expect(fourth.run.waits).toMatch(/^waits for a free slot/);
    await failRunsOfLostMachine(deps, machineId, 'machine lost');
    const [lost] = await deps.db.select().from(runs).where(eq(runs.id, fourth.run.id));
    expect(lost!.state).toBe('lost');
    expect(await showConversation(deps.db, admin.orgId, fourth.conversation.id)).toMatchObject({
      activity: 'idle',
      waitsForSlot: null,
    });
    // The lost machine is gone for the next tests' placements too.
    await deps.db.update(machines).set({ sessionId: null }).where(eq(machines.id, machineId));

    await createAgent(deps, admin, { project: project.slug, name: 'gemini', adapter: 'gemini' });
    const refused = createConversation(deps, admin, {
      project: project.slug,
      agent: 'gemini',
      message: 'hi',
      attachments: [],
    });
    await expect(refused).rejects.toThrow(/no connected machine has the gemini CLI; install it on a machine or join/);
    // What the console words itself from: the agent, the product it runs and its labels.
    await expect(refused).rejects.toMatchObject({
      details: { noMachine: { agent: 'gemini', adapter: 'gemini', command: 'gemini', labels: [] } },
    });
  });

  it('closes a conversation that waited for a message too long, and only such; a message reopens it', async () => {
    const { deps, admin, project, id, runId, turn } = await setup();
    const later = (ms: number) => ({ ...deps, clock: { now: () => new Date(Date.now() + ms) } });
    const hour = 60 * 60_000;
    const commands: MachineCommand[] = [];
    const off = deps.bus.onCommands((cs) => commands.push(...cs));
    // Working on its first turn: never idle, however long it takes.
    expect(await closeIdleConversations(later(2 * hour), hour, orchestratorActor)).toEqual([]);
    expect(await turn(1, { sessionId: 'sess-1' })).toBeNull();
    // The daemon re-sends its open turn after a reconnect: the idle clock does not restart.
    const [waitingSince] = await deps.db.select().from(chatConversations).where(eq(chatConversations.id, id));
    await new Promise((r) => setTimeout(r, 5));
    expect(await turn(1)).toBeNull();
    const [stillSince] = await deps.db.select().from(chatConversations).where(eq(chatConversations.id, id));
    expect(stillSince!.updatedAt).toEqual(waitingSince!.updatedAt);
    expect(await closeIdleConversations(later(hour / 2), hour, orchestratorActor)).toEqual([]);
    expect(await closeIdleConversations(later(hour + 1000), hour, orchestratorActor)).toEqual([id]);
    const [closed] = await deps.db.select().from(chatConversations).where(eq(chatConversations.id, id));
    expect(closed).toMatchObject({ state: 'closed', waitingTurn: null });
    const entry = (await listActivity(deps.db, { projectId: project.id })).find((a) => a.action === 'chat.closed')!;
    expect(entry).toMatchObject({
      actorName: 'orchestrator',
      summary: expect.stringMatching(/closed after 60 min without a message/),
    });
    expect(commands).toEqual([
      {
        machineId: expect.any(String),
        frame: expect.objectContaining({ type: 'run.next', runId, action: 'stop', reason: 'no message for 60 min' }),
      },
    ]);
    off();
    // Closed once: the next sweep finds nothing.
    expect(await closeIdleConversations(later(2 * hour), hour, orchestratorActor)).toEqual([]);
    // Its run still ends: a message now would wait for a turn that never comes, so it is refused.
    await expect(
      sendMessage(deps, admin, { conversation: id, message: 'wait, one more thing', attachments: [] }),
    ).rejects.toThrow(/was just closed and its agent run is still ending; send your message again in a moment/);
    await deps.db.update(runs).set({ state: 'succeeded' }).where(eq(runs.id, runId));
    const reopened = await sendMessage(deps, admin, { conversation: id, message: 'back again', attachments: [] });
    expect(reopened.run.id).not.toBe(runId);
  });

  it('stops the run when the cost cap is spent; refuses messages until the cap is raised', async () => {
    const { deps, admin, id, runId, turn } = await setup();
    await deps.db.update(runs).set({ costUsd: 6 }).where(eq(runs.id, runId));
    expect(await turn(1)).toMatchObject({
      action: 'stop',
      outcome: 'failed',
      reason: expect.stringMatching(/cost cap of \$5\.00 is spent/),
    });
    await expect(sendMessage(deps, admin, { conversation: id, message: 'more', attachments: [] })).rejects.toThrow(
      /spent its cost cap/,
    );
  });

  it("a conversation's run token: creates and links any tickets of its project within the project's scopes; actions attributed to the conversation and its starter", async () => {
    const { deps, admin, project, id, runId } = await setup();
    const other = await createProject(deps, admin, { name: `Elsewhere ${n}`, ticketPrefix: `EL${n}` });
    const foreign = await createTicket(deps, admin, { project: other.slug, title: 'foreign' });
    await appRouter.createCaller({ deps, actor: admin }).workflows.import({ project: project.slug, source: HARNESS });
    // Editing workflows is not a default Project-AI scope: this project grants it explicitly.
    await updateProjectAiSettings(deps, admin, {
      project: project.slug,
      scopes: [...DEFAULT_PROJECT_AI_SCOPES, 'workflows.update'],
    });
    const tokenFor = async () => {
      const [run] = await deps.db.select().from(runs).where(eq(runs.id, runId));
      const spec = await deps.db.transaction((tx) => materializeChatJob(tx, deps, run!, 'http://cp.invalid'));
      if (spec.kind !== 'agent') throw new Error('not an agent spec');
      expect(spec.ticket.branch).toBe(`openase/chat-${id.replace(/-/g, '').slice(0, 8)}`);
      return authenticateRunToken(deps, spec.platform.token);
    };
    const actor = await tokenFor();
    expect(actor.name).toBe(`Project AI (conversation ${id.slice(0, 8)}, started by ${admin.name})`);
    const agent = appRouter.createCaller({ deps, actor });
    const a = await agent.tickets.create({ project: project.slug, title: 'API' });
    const b = await agent.tickets.create({ project: project.slug, title: 'Page' });
    await agent.tickets.link({ blocker: a.identifier, blocked: b.identifier });
    await expect(agent.tickets.link({ blocker: a.identifier, blocked: foreign.identifier })).rejects.toThrow(
      /only link tickets of its own project|own project/,
    );
    await expect(agent.tickets.create({ project: other.slug, title: 'x' })).rejects.toThrow(/own project/);
    const exported = await agent.workflows.export({ project: project.slug, workflow: 'dev' });
    const saved = await agent.workflows.import({
      project: project.slug,
      source: exported.source.replace('Work on', 'Please work on'),
    });
    expect(saved.version).toBe(2);
    await expect(agent.projects.create({ name: 'Takeover' })).rejects.toThrow(/cannot call projects\.create/);
    const log = await listActivity(deps.db, { projectId: project.id, limit: 500 });
    const byChat = log.filter((e) => e.actorName === actor.name);
    expect(byChat.map((e) => e.action)).toEqual([
      'ticket.created',
      'ticket.created',
      'ticket.linked',
      'workflow.versioned',
    ]);

    // The project narrows the scopes: a new token cannot edit workflows any more.
    await updateProjectAiSettings(deps, admin, { project: project.slug, scopes: ['tickets.read'] });
    const narrowed = appRouter.createCaller({ deps, actor: await tokenFor() });
    await expect(narrowed.workflows.import({ project: project.slug, source: HARNESS })).rejects.toThrow(
      /Project-AI scopes do not grant "workflows\.update"/,
    );
    // Attaching a repository it created takes `repositories.add`, which no default grants.
    await expect(narrowed.repositories.add({ project: project.slug, url: '/srv/git/lib.git' })).rejects.toThrow(
      /Project-AI scopes do not grant "repositories\.add".*openase chat settings --project P --scopes/,
    );
    await expect(updateProjectAiSettings(deps, admin, { project: project.slug, scopes: ['root'] })).rejects.toThrow(
      /not a run-token scope/,
    );
  });
});
