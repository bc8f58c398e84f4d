/**
 * A project role replaces a member's or viewer's organization role in that project (docs/teams.md). Found by a
 * walkthrough: most project work checked the organization role only, so a member made viewer of a project still
 * added repositories, imported and disabled skills, created and ran scheduled jobs and edited comments there, a
 * viewer made member of one could do none of it, and a project admin could administer nothing.
 */
import { expect, it } from 'vitest';
import { forEachDatabase } from '@openase/test-kit/databases';
import { appRouter } from '../../src/api/router.js';
import { acceptInvitation, createInvitation } from '../../src/auth/invitations.js';
import { setProjectRole } from '../../src/auth/members.js';
import { createProject } from '../../src/projects/projects.js';
import type { Actor } from '../../src/kernel/context.js';
import { inTransaction } from '../../src/kernel/transaction.js';
import { createTestRemote } from '@openase/test-kit/git-remote';
import { startTestConversation } from '../chat-fixtures.js';

const skill = (project: string, name: string) => ({
  project,
  files: [
    {
      path: 'SKILL.md',
      contentBase64: Buffer.from(`---\nname: ${name}\ndescription: Notes\n---\nUse it.\n`).toString('base64'),
    },
  ],
});
const TEMPLATE = { title: 'Standup {{date}}', status: 'Backlog' };

forEachDatabase('project roles', (get) => {
  let n = 0;
  async function person(role: 'member' | 'viewer', projectRole: 'member' | 'viewer' | 'admin', project: string) {
    const { deps, admin } = get();
    const email = `p${++n}@example.com`;
    const inv = await createInvitation(deps, admin, { email, role });
    const user = await inTransaction(deps, (tx, changes) =>
      acceptInvitation(tx, deps, changes, { code: inv.code, name: `P${n}` }),
    );
    await setProjectRole(deps, admin, { project, user: email, role: projectRole });
    const actor: Actor = { type: 'user', id: user.id, name: user.name, orgId: admin.orgId, userId: user.id, role };
    return appRouter.createCaller({ deps, actor });
  }

  it('a member made viewer of a project only reads it', async () => {
    const { deps, admin } = get();
    const p = await createProject(deps, admin, { name: `Ro ${++n}`, ticketPrefix: `RO${n}` });
    const owner = appRouter.createCaller({ deps, actor: admin });
    const { id: ticket } = await owner.tickets.create({ project: p.slug, title: 'one' });
    const comment = await owner.comments.add({ ticket, body: 'hello' });
    await owner.jobs.create({ project: p.slug, name: 'standup', cron: '0 9 * * 1', template: TEMPLATE });
    const viewer = await person('member', 'viewer', p.slug);
    const refused = /your role in this project \(viewer\) cannot .*; ask a project admin or an organization admin/;
    const remote = createTestRemote({ 'README.md': '# x\n' });
    try {
      await expect(viewer.repositories.add({ project: p.slug, url: remote.url })).rejects.toThrow(refused);
    } finally {
      remote.cleanup();
    }
    await expect(viewer.skills.import(skill(p.slug, 'notes'))).rejects.toThrow(refused);
    await expect(viewer.skills.setEnabled({ project: p.slug, skill: 'commit', enabled: false })).rejects.toThrow(
      refused,
    );
    await expect(
      viewer.jobs.create({ project: p.slug, name: 'spam', cron: '* * * * *', template: TEMPLATE }),
    ).rejects.toThrow(refused);
    await expect(viewer.jobs.runNow({ project: p.slug, job: 'standup' })).rejects.toThrow(refused);
    await expect(viewer.comments.edit({ commentId: comment.id, body: 'x' })).rejects.toThrow(refused);
    await expect(viewer.tickets.create({ project: p.slug, title: 'two' })).rejects.toThrow(refused);
  });

  it('a viewer made member of a project works there; a project admin administers it; an owner edits any comment', async () => {
    const { deps, admin } = get();
    const p = await createProject(deps, admin, { name: `Rw ${++n}`, ticketPrefix: `RW${n}` });
    const member = await person('viewer', 'member', p.slug);
    // The console and the CLI see the project role; a token to write there can be made (and only write there).
    expect((await member.auth.whoami()).projectRoles).toEqual([{ projectId: p.id, project: p.slug, role: 'member' }]);
    expect((await member.tokens.create({ name: 'cli', scopes: ['read', 'write'] })).record.scopes).toEqual([
      'read',
      'write',
    ]);
    await expect(member.tokens.create({ name: 'cli2', scopes: ['read', 'admin'] })).rejects.toThrow(
      /your roles \(viewer in the organization, member in a project\) cannot create admin-scoped tokens/,
    );
    expect((await member.skills.import(skill(p.slug, 'notes'))).version).toBe(1);
    expect((await member.skills.setEnabled({ project: p.slug, skill: 'notes', enabled: false })).enabled).toBe(false);
    const { id: ticket } = await member.tickets.create({ project: p.slug, title: 'one' });
    const mine = await member.comments.add({ ticket, body: 'hello' });
    expect((await member.comments.edit({ commentId: mine.id, body: 'hello again' })).revision).toBe(2);
    expect((await member.jobs.create({ project: p.slug, name: 'j', cron: '0 9 * * 1', template: TEMPLATE })).name).toBe(
      'j',
    );
    await expect(member.statuses.create({ project: p.slug, name: 'QA', stage: 'started' })).rejects.toThrow(
      /your roles \(viewer in the organization, member in a project\) cannot change statuses/,
    );

    const projectAdmin = await person('member', 'admin', p.slug);
    expect((await projectAdmin.tokens.create({ name: 'adm', scopes: ['admin'] })).record.scopes).toEqual(['admin']);
    await expect(projectAdmin.tokens.create({ name: 'exec', scopes: ['runs.exec'] })).rejects.toThrow(
      /your role \(member\) cannot create runs.exec tokens/,
    );
    expect((await projectAdmin.statuses.create({ project: p.slug, name: 'QA', stage: 'started' })).name).toBe('QA');
    expect((await projectAdmin.projects.update({ project: p.slug, description: 'ours' })).description).toBe('ours');
    await projectAdmin.repositories.add({ project: p.slug, url: 'file:///srv/git/app.git', name: 'app' });
    expect(
      (await member.repositories.update({ project: p.slug, repository: 'app', defaultBranch: 'trunk' })).defaultBranch,
    ).toBe('trunk');
    await expect(member.repositories.delete({ project: p.slug, repository: 'app' })).rejects.toThrow(
      /cannot delete repositories/,
    );
    expect((await projectAdmin.repositories.delete({ project: p.slug, repository: 'app' })).deleted).toBe('app');
    const made = await projectAdmin.workflows.createBlank({
      project: p.slug,
      name: 'dev',
      pickup: ['Todo'],
      finish: ['Done'],
    });
    expect(made.version).toBe(1);
    // A project admin sets up its agents; what they run on machines stays an organization admin's.
    expect((await projectAdmin.agents.create({ project: p.slug, name: 'c', adapter: 'claude-code' })).name).toBe('c');
    await expect(
      projectAdmin.agents.create({ project: p.slug, name: 'sh', adapter: 'custom', command: '/bin/sh' }),
    ).rejects.toThrow(/your role \(member\) cannot set what agent sh runs/);
    // Elsewhere the project admin is the member it was.
    const other = await createProject(deps, admin, { name: `Ro ${++n}`, ticketPrefix: `OT${n}` });
    await expect(projectAdmin.statuses.create({ project: other.slug, name: 'QA', stage: 'started' })).rejects.toThrow(
      /your role \(member\) cannot change statuses; ask an organization admin for the admin role in this project \(or in the organization\)/,
    );

    const owner = appRouter.createCaller({ deps, actor: admin });
    expect((await owner.comments.edit({ commentId: mine.id, body: 'fixed by the owner' })).revision).toBe(3);
  });

  it('Project AI follows the project role: a member made viewer only reads conversations, a viewer made member talks', async () => {
    const { deps, admin } = get();
    const { project, started } = await startTestConversation(deps, admin, {
      name: `Ai ${++n}`,
      prefix: `AI${n}`,
      machine: `ai-m${n}`,
      message: 'Plan the release',
    });
    const conversation = started.conversation.id;
    const viewer = await person('member', 'viewer', project.slug);
    const refused = /your role in this project \(viewer\) cannot .*; ask a project admin or an organization admin/;
    expect((await viewer.chat.show({ conversation })).id).toBe(conversation);
    await expect(viewer.chat.send({ conversation, message: 'hi', attachments: [] })).rejects.toThrow(refused);
    await expect(viewer.chat.cap({ conversation, usd: 50 })).rejects.toThrow(refused);
    await expect(viewer.chat.createTicket({ conversation })).rejects.toThrow(refused);
    await expect(viewer.chat.interrupt({ conversation })).rejects.toThrow(refused);
    await expect(viewer.chat.close({ conversation })).rejects.toThrow(refused);

    const member = await person('viewer', 'member', project.slug);
    expect((await member.chat.send({ conversation, message: 'and the notes', attachments: [] })).delivered).toBe(false);
    expect((await member.chat.cap({ conversation, usd: 7 })).costCapUsd).toBe(7);
    await expect(member.chat.updateSettings({ project: project.slug, costCapUsd: 9 })).rejects.toThrow(
      /your roles \(viewer in the organization, member in a project\) cannot change the project's Project-AI settings/,
    );
    const projectAdmin = await person('member', 'admin', project.slug);
    expect((await projectAdmin.chat.updateSettings({ project: project.slug, costCapUsd: 9 })).costCapUsd).toBe(9);
    expect((await member.chat.close({ conversation })).closed).toBe(true);
  });
});
