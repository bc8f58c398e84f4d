import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachDatabase } from '@openase/test-kit/databases';
import { startTestConversation } from '../../test/chat-fixtures.js';
import { createFakeGithub } from '@openase/test-kit/fake-github';
import { listActivity } from '../activity/activity.js';
import { configureGithub } from '../integrations/github/links.js';
import { pullRequests, runEvents, tickets } from '../db/schema.js';
import {
  conversationCommands,
  conversationWorkspace,
  createTicketFromConversation,
  openPullRequestFromConversation,
} from './workspace.js';

const fake = createFakeGithub({ token: 'ghp_chat' });
let apiUrl: string;
beforeAll(async () => {
  apiUrl = await fake.listen();
});
afterAll(() => fake.close());

forEachDatabase('the Project AI workspace', (get) => {
  let n = 0;
  const setup = (repoUrl?: string) => {
    const { deps, admin, kind } = get();
    const i = ++n;
    const prefix = `WS${i}${kind === 'pglite' ? 'A' : 'B'}`;
    return startTestConversation(deps, admin, {
      name: `Work ${i}`,
      prefix,
      machine: `m${prefix}`,
      message: 'Add a cache',
      repoUrl,
    });
  };

  it('lists the commands the conversation ran, one row per command in its latest state', async () => {
    const { deps } = get();
    const { started } = await setup();
    const at = deps.clock.now();
    const event = (seq: number, payload: object) => ({
      runId: started.run.id,
      seq,
      ts: at,
      type: 'command',
      payload: { type: 'command', ...payload },
    });
    await deps.db
      .insert(runEvents)
      .values([
        event(1, { id: 't1', command: 'npm test', status: 'started', exitCode: null }),
        { runId: started.run.id, seq: 2, ts: at, type: 'text', payload: { type: 'text', text: 'running tests' } },
        event(3, { id: 't1', command: 'npm test', status: 'failed', exitCode: 1 }),
        event(4, { command: 'git status', status: 'completed', exitCode: 0 }),
      ]);
    expect(await conversationCommands(deps.db, started.conversation.id)).toEqual([
      { runId: started.run.id, command: 'npm test', status: 'failed', exitCode: 1, at },
      { runId: started.run.id, command: 'git status', status: 'completed', exitCode: 0, at },
    ]);
  });

  it('"Create ticket from this" makes one ticket naming the branch and what was asked; a second call returns it', async () => {
    const { deps, admin } = get();
    const { started, project } = await setup();
    const id = started.conversation.id;
    const made = await createTicketFromConversation(deps, admin, { conversation: id.slice(0, 8) });
    expect(made.created).toBe(true);
    expect(made.ticket.title).toBe('Add a cache');
    expect(made.ticket.description).toContain(`\`openase/chat-${id.replace(/-/g, '').slice(0, 8)}\``);
    expect(made.ticket.description).toContain('Add a cache');
    const again = await createTicketFromConversation(deps, admin, { conversation: id, title: 'Other' });
    expect(again).toMatchObject({ created: false, ticket: { id: made.ticket.id } });
    expect(await deps.db.select().from(tickets).where(eq(tickets.projectId, project.id))).toHaveLength(1);
    const activity = await listActivity(deps.db, { projectId: project.id });
    expect(activity.map((a) => a.action)).toContain('chat.ticket_created');
    const ws = await conversationWorkspace(deps, undefined, admin, id);
    expect(ws).toMatchObject({
      ticket: { identifier: made.ticket.identifier },
      diff: null,
      diffError: 'this control plane runs no fleet; diffs are read by machines',
      pullRequests: [],
    });
  });

  it('"Open a PR from this branch" opens the branch\'s PR on the ticket (made now), once the project has a token', async () => {
    const { deps, admin, kind } = get();
    const remote = `acme/chat-${kind}-${n + 1}`;
    const { started, project } = await setup(`https://github.com/${remote}.git`);
    const id = started.conversation.id;
    await expect(openPullRequestFromConversation(deps, admin, id, 'http://console')).rejects.toMatchObject({
      message: expect.stringContaining('no GitHub token'),
    });
    await configureGithub(deps, admin, { project: project.slug, token: 'ghp_chat', apiUrl });
    const opened = await openPullRequestFromConversation(deps, admin, id, 'http://console');
    expect(opened.pullRequests).toEqual([
      expect.objectContaining({
        repository: 'app',
        number: 1,
        state: 'open',
        url: expect.stringMatching(/\/pull\/1$/),
      }),
    ]);
    const pr = fake.pull(remote, 1);
    expect(pr).toMatchObject({ head: started.conversation.branch, title: `${opened.ticket.identifier}: Add a cache` });
    expect(pr.body).toContain(`http://console/p/${project.slug}/board/${opened.ticket.identifier}`);
    const [row] = await deps.db.select().from(pullRequests).where(eq(pullRequests.branch, started.conversation.branch));
    expect(row).toMatchObject({ number: 1, repository: 'app' });
    const ws = await conversationWorkspace(deps, undefined, admin, id);
    expect(ws.pullRequests).toEqual([expect.objectContaining({ repository: 'app', number: 1, state: 'open' })]);
  });
});
