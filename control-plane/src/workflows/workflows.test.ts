import { expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { OpenaseError } from '@openase/shared';
import { forEachDatabase } from '@openase/test-kit/databases';
import { expectCode } from '../../test/expect-code.js';
import { createProject } from '../projects/projects.js';
import { addRepository } from '../projects/repositories.js';
import { listStatuses } from '../statuses/statuses.js';
import { createTicket } from '../tickets/tickets.js';
import { linkTickets } from '../tickets/dependencies.js';
import { createAgent, deleteAgent } from '../agents/agents.js';
import { listActivity } from '../activity/activity.js';
import { workflowVersions } from '../db/schema.js';
import {
  updateWorkflow,
  deleteWorkflow,
  exportWorkflow,
  importWorkflow,
  listWorkflows,
  listWorkflowVersions,
  setWorkflowActive,
  showWorkflow,
  validateWorkflow,
} from './workflows.js';
import { createBlankWorkflow, createFromTemplate } from './templates.js';
import { renderWorkflow } from './render.js';
import { bindSkill, unbindSkill } from './bindings.js';

const FILE = `---
name: dev
agent: claude
pickup: [Todo]
finish: [In Review] # reviewed by a human
max_turns: 12
---
Work on {{ ticket.identifier }} ({{ ticket.status }}) in {{ project.name }}.
`;

forEachDatabase('workflows', (get) => {
  it('round-trips export/import exactly; an edit makes version 2 and version 1 stays readable', async () => {
    const { deps, admin } = get();
    await createProject(deps, admin, { name: 'Round' });
    await createAgent(deps, admin, { project: 'round', name: 'claude', adapter: 'claude-code' });
    const first = await importWorkflow(deps, admin, { project: 'round', source: FILE });
    expect(first).toMatchObject({
      name: 'dev',
      version: 1,
      created: true,
      pickup: ['Todo'],
      finish: ['In Review'],
      agent: { name: 'claude' },
      active: true,
    });
    expect(first.skills.map((s) => [s.name, s.autoBound])).toEqual([['openase-platform', true]]);
    const exported = await exportWorkflow(deps.db, admin.orgId, { project: 'round', workflow: 'dev' });
    expect(exported.source).toBe(FILE);
    expect(await importWorkflow(deps, admin, { project: 'round', source: exported.source })).toMatchObject({
      version: 1,
      changed: false,
    });

    const edited = exported.source.replace('max_turns: 12', 'max_turns: 15').replace('Work on', 'Please work on');
    const second = await importWorkflow(deps, admin, { project: 'round', source: edited });
    expect(second).toMatchObject({ version: 2, currentVersion: 2, harness: { max_turns: 15 } });
    expect((await exportWorkflow(deps.db, admin.orgId, { project: 'round', workflow: 'dev', version: 1 })).source).toBe(
      FILE,
    );
    expect(
      (await showWorkflow(deps.db, admin.orgId, { project: 'round', workflow: 'dev', version: 1 })).harness.max_turns,
    ).toBe(12);
    expect((await exportWorkflow(deps.db, admin.orgId, { project: 'round', workflow: 'dev' })).source).toBe(edited);
    const versions = await listWorkflowVersions(deps.db, admin.orgId, { project: 'round', workflow: 'dev' });
    expect(versions.map((v) => [v.version, v.current])).toEqual([
      [1, false],
      [2, true],
    ]);
    const project = (await listWorkflows(deps.db, admin.orgId, 'round'))[0]!;
    const log = await listActivity(deps.db, { projectId: project.projectId });
    expect(log.filter((a) => a.entityType === 'workflow').map((a) => a.summary)).toEqual([
      'created workflow dev (version 1)',
      'saved workflow dev version 2: max_turns, body',
    ]);
    await expectCode(deleteAgent(deps, admin, { project: 'round', agent: 'claude' }), 'CONFLICT', /used by workflow/);
    await expectCode(
      updateWorkflow(deps, admin, {
        project: 'round',
        workflow: 'dev',
        source: FILE.replace('name: dev', 'name: other'),
      }),
      'BAD_REQUEST',
      /differs from workflow "dev"/,
    );
    expect(await updateWorkflow(deps, admin, { project: 'round', workflow: 'dev', source: FILE })).toMatchObject({
      version: 3,
      changed: true,
    });
  });

  it('serializes concurrent imports of one new workflow: one creates it, the others find it unchanged', async () => {
    const { deps, admin } = get();
    await createProject(deps, admin, { name: 'Race' });
    await createAgent(deps, admin, { project: 'race', name: 'claude', adapter: 'claude-code' });
    const results = await Promise.all(
      Array.from({ length: 8 }, () => importWorkflow(deps, admin, { project: 'race', source: FILE })),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(results.every((r) => r.version === 1)).toBe(true);
    const edits = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        importWorkflow(deps, admin, { project: 'race', source: FILE.replace('max_turns: 12', `max_turns: ${20 + i}`) }),
      ),
    );
    expect(edits.map((e) => e.version).sort()).toEqual([2, 3, 4, 5, 6]);
  });

  it('reports all three mistakes with lines and refuses the import without changing anything', async () => {
    const { deps, admin } = get();
    await createProject(deps, admin, { name: 'Mistakes' });
    await createAgent(deps, admin, { project: 'mistakes', name: 'claude', adapter: 'claude-code' });
    await importWorkflow(deps, admin, { project: 'mistakes', source: FILE });
    const bad = FILE.replace('pickup: [Todo]', 'pickup: [Todo, Triage]')
      .replace('max_turns: 12', 'max_turns: 12\ntimeout_minutes: -5')
      .replace('{{ project.name }}', '{{ project.nam }}');
    const report = await validateWorkflow(deps.db, admin.orgId, { project: 'mistakes', source: bad });
    expect(report.valid).toBe(false);
    expect(report.problems.map((p) => `${p.line}:${p.field}`)).toEqual(['4:pickup[1]', '7:timeout_minutes', '9:body']);
    expect(report.problems[0]!.message).toMatch(/unknown status "Triage"/);
    expect(report.problems[2]!.message).toMatch(/unknown variable "project.nam"/);
    const before = await deps.db.select().from(workflowVersions);
    const err = await importWorkflow(deps, admin, { project: 'mistakes', source: bad }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenaseError);
    expect((err as OpenaseError).code).toBe('VALIDATION_FAILED');
    expect((err as OpenaseError).details!.problems).toHaveLength(3);
    expect((err as Error).message).toMatch(/harness:4: pickup\[1\]: unknown status "Triage"/);
    expect(await deps.db.select().from(workflowVersions)).toEqual(before);
    // Without a project only the file itself is checked: the unknown status is not known to be wrong.
    expect((await validateWorkflow(deps.db, admin.orgId, { source: bad })).problems).toHaveLength(2);
    await expectCode(
      importWorkflow(deps, admin, { project: 'mistakes', source: FILE.replace('agent: claude', 'agent: nobody') }),
      'VALIDATION_FAILED',
      /unknown agent "nobody"/,
    );
  });

  it('refuses tools.ask for a Gemini agent (no approval channel headless) and accepts it for Claude Code', async () => {
    const { deps, admin } = get();
    await createProject(deps, admin, { name: 'Asks' });
    await createAgent(deps, admin, { project: 'asks', name: 'claude', adapter: 'claude-code' });
    await createAgent(deps, admin, { project: 'asks', name: 'gem', adapter: 'gemini' });
    const source = FILE.replace(
      'max_turns: 12',
      'max_turns: 12\ntools:\n  ask: ["Bash(git push*)"]\napproval_timeout_minutes: 15',
    );
    expect((await validateWorkflow(deps.db, admin.orgId, { project: 'asks', source })).problems).toEqual([]);
    const gemini = await validateWorkflow(deps.db, admin.orgId, {
      project: 'asks',
      source: source.replace('agent: claude', 'agent: gem'),
    });
    expect(gemini.problems).toEqual([
      expect.objectContaining({
        field: 'tools.ask',
        message: expect.stringMatching(/Gemini CLI has no approval channel/),
      }),
    ]);
  });

  it('creates both templates on a fresh project, adding the statuses they need, and renders a ticket', async () => {
    const { deps, admin } = get();
    await createProject(deps, admin, { name: 'Tmpl' });
    await createAgent(deps, admin, { project: 'tmpl', name: 'claude', adapter: 'claude-code' });
    const full = await createFromTemplate(deps, admin, { project: 'tmpl', template: 'full-stack' });
    expect(full.createdStatuses).toEqual(['Merging']);
    expect(full.workflows[0]).toMatchObject({
      name: 'full-stack-developer',
      agent: { name: 'claude' },
      pickup: ['Todo', 'In Progress'],
      finish: ['In Review'],
    });
    expect(full.workflows[0]!.harness.hooks!.before_finish![0]!.run).toMatch(/npm test/);
    expect(full.workflows[0]!.harness).toMatchObject({
      rework: 'In Progress',
      merge: { status: 'Merging', done: 'Done' },
    });
    expect(full.workflows[0]!.skills.map((s) => s.name)).toEqual([
      'openase-platform',
      'commit',
      'write-tests',
      'create-pr',
    ]);
    const relay = await createFromTemplate(deps, admin, { project: 'tmpl', template: 'hybrid-relay' });
    expect(relay.createdStatuses).toEqual(['Design', 'Backend', 'Frontend', 'Testing']);
    expect(relay.workflows.map((w) => `${w.pickup.join()}→${w.finish.join()}`)).toEqual([
      'Design→Backend',
      'Backend→Frontend',
      'Frontend→Testing',
      'Testing→In Review',
    ]);
    const board = (await listStatuses(deps.db, full.workflows[0]!.projectId)).map((s) => s.name);
    expect(board).toEqual([
      'Backlog',
      'Todo',
      'In Progress',
      'In Review',
      'Merging',
      'Design',
      'Backend',
      'Frontend',
      'Testing',
      'Done',
      'Cancelled',
    ]);
    await expectCode(
      createFromTemplate(deps, admin, { project: 'tmpl', template: 'full-stack' }),
      'CONFLICT',
      /already exists/,
    );

    await addRepository(deps, admin, { project: 'tmpl', url: 'https://github.com/acme/shop.git' });
    const blocker = await createTicket(deps, admin, { project: 'tmpl', title: 'Set up auth' });
    const ticket = await createTicket(deps, admin, {
      project: 'tmpl',
      title: 'Add login',
      description: 'Email + password login form.',
      labels: ['auth', 'web'],
      status: 'Todo',
    });
    await linkTickets(deps, admin, { blocker: blocker.identifier, blocked: ticket.identifier });
    const rendered = await renderWorkflow(deps.db, admin.orgId, {
      project: 'tmpl',
      workflow: 'full-stack-developer',
      ticket: ticket.identifier,
    });
    expect(rendered.prompt).toContain(`ticket **${ticket.identifier}: Add login**`);
    expect(rendered.prompt).toContain('Labels: auth, web');
    expect(rendered.prompt).toContain('- `shop` (https://github.com/acme/shop.git, default branch `main`)');
    expect(rendered.prompt).toContain('This is attempt 1 of 3.');
    expect(rendered.prompt).toContain('move the ticket to\n   In Review.');
    expect(rendered.variables.ticket.blocked_by).toEqual([blocker.identifier]);
    const relayPrompt = await renderWorkflow(deps.db, admin.orgId, {
      project: 'tmpl',
      workflow: 'relay-design',
      ticket: ticket.identifier,
    });
    expect(relayPrompt.prompt).toContain(`docs/design/${ticket.identifier}.md`);
    expect(relayPrompt.prompt).toContain('move it to\nBackend');
  });

  it('creates a workflow from fields with the serializer and a generic body', async () => {
    const { deps, admin } = get();
    await createProject(deps, admin, { name: 'Blank' });
    await createAgent(deps, admin, { project: 'blank', name: 'gem', adapter: 'gemini' });
    const w = await createBlankWorkflow(deps, admin, {
      project: 'blank',
      name: 'triage',
      pickup: ['Backlog'],
      finish: ['Todo'],
    });
    expect(w).toMatchObject({
      name: 'triage',
      version: 1,
      agent: { name: 'gem' },
      pickup: ['Backlog'],
      finish: ['Todo'],
    });
    expect(w.source).toMatch(
      /^---\nname: triage\nagent: gem\npickup:\n {2}- Backlog\nfinish:\n {2}- Todo\n---\n\n# Role/,
    );
    await expectCode(
      createBlankWorkflow(deps, admin, { project: 'blank', name: 'x', pickup: ['Nope'], finish: ['Todo'] }),
      'VALIDATION_FAILED',
      /unknown status "Nope"/,
    );
    await expectCode(
      createBlankWorkflow(deps, admin, { project: 'blank', name: 'triage', pickup: ['Backlog'], finish: ['Todo'] }),
      'CONFLICT',
    );
  });

  it('asks for --agent when a project has several, and works without any agent', async () => {
    const { deps, admin } = get();
    await createProject(deps, admin, { name: 'Agentless' });
    const made = await createFromTemplate(deps, admin, { project: 'agentless', template: 'full-stack' });
    expect(made.workflows[0]!.agent).toBeNull();
    await createProject(deps, admin, { name: 'Many' });
    await createAgent(deps, admin, { project: 'many', name: 'a', adapter: 'codex' });
    await createAgent(deps, admin, { project: 'many', name: 'b', adapter: 'gemini' });
    await expectCode(
      createFromTemplate(deps, admin, { project: 'many', template: 'full-stack' }),
      'BAD_REQUEST',
      /choose one with --agent/,
    );
    const chosen = await createFromTemplate(deps, admin, { project: 'many', template: 'full-stack', agent: 'b' });
    expect(chosen.workflows[0]!.agent).toEqual({ name: 'b', adapter: 'gemini' });
    expect(
      (await exportWorkflow(deps.db, admin.orgId, { project: 'many', workflow: 'full-stack-developer' })).source,
    ).toMatch(/^---\nname: full-stack-developer\nagent: b\npickup:/);
  });

  it('activates, binds and unbinds skills as new versions, and deletes', async () => {
    const { deps, admin } = get();
    await createProject(deps, admin, { name: 'Bind' });
    await createAgent(deps, admin, { project: 'bind', name: 'claude', adapter: 'claude-code' });
    await importWorkflow(deps, admin, { project: 'bind', source: FILE });
    const off = await setWorkflowActive(deps, admin, { project: 'bind', workflow: 'dev', active: false });
    expect(off).toMatchObject({ version: 2, active: false });
    expect(off.source).toContain('finish: [In Review] # reviewed by a human');
    expect(off.source).toMatch(/active: false\n---\n/);
    const bound = await bindSkill(deps, admin, { project: 'bind', workflow: 'dev', skill: 'review-code', version: 1 });
    expect(bound.skills.map((s) => `${s.name}@${s.version}${s.pinned ? ' pinned' : ''}`)).toEqual([
      'openase-platform@1',
      'review-code@1 pinned',
    ]);
    await expectCode(
      bindSkill(deps, admin, { project: 'bind', workflow: 'dev', skill: 'review-code', version: 9 }),
      'VALIDATION_FAILED',
      /has no version 9/,
    );
    await expectCode(
      bindSkill(deps, admin, { project: 'bind', workflow: 'dev', skill: 'nope' }),
      'VALIDATION_FAILED',
      /unknown skill "nope"/,
    );
    const unbound = await unbindSkill(deps, admin, { project: 'bind', workflow: 'dev', skill: 'review-code' });
    expect(unbound).toMatchObject({ version: 4 });
    expect(unbound.source).not.toContain('skills');
    await expectCode(
      unbindSkill(deps, admin, { project: 'bind', workflow: 'dev', skill: 'openase-platform' }),
      'BAD_REQUEST',
      /auto-bound/,
    );
    const on = await setWorkflowActive(deps, admin, { project: 'bind', workflow: 'dev', active: true });
    expect(on).toMatchObject({ version: 5, active: true });
    expect(on.source).toBe(FILE);
    expect(await deleteWorkflow(deps, admin, { project: 'bind', workflow: 'dev' })).toEqual({ deleted: 'dev' });
    expect(await deps.db.select().from(workflowVersions).where(eq(workflowVersions.workflowId, on.id))).toEqual([]);
    await expectCode(showWorkflow(deps.db, admin.orgId, { project: 'bind', workflow: 'dev' }), 'NOT_FOUND');
  });
});
