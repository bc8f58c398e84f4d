import { expect, it } from 'vitest';
import { forEachDatabase } from '@openase/test-kit/databases';
import { expectCode } from '../../test/expect-code.js';
import { createProject } from '../projects/projects.js';
import { listActivity } from '../activity/activity.js';
import { listTickets } from '../tickets/tickets.js';
import { createBlankWorkflow } from '../workflows/templates.js';
import { resolveWorkflow } from '../workflows/versions.js';
import { createJob, deleteJob, listJobs, previewJob, setJobEnabled, showJob, updateJob } from './jobs.js';
import { runJobNow } from './fire.js';

forEachDatabase('scheduled jobs', (get) => {
  it('creates a job with its next fire time and records the change', async () => {
    const { deps, admin } = get();
    const project = await createProject(deps, admin, { name: 'Jobs A' });
    const job = await createJob(deps, admin, {
      project: 'jobs-a',
      name: 'standup',
      cron: '0 9 * * 1-5',
      timeZone: 'Europe/Berlin',
      template: { title: 'Standup notes {{date}}', labels: ['ops'], priority: 'low', status: 'Todo' },
    });
    expect(job.catchUp).toBe('skip');
    expect(job.nextFireAt!.getTime()).toBeGreaterThan(Date.now());
    const shown = await showJob(deps, admin.orgId, { project: 'jobs-a', job: 'STANDUP', nextCount: 3 });
    expect(shown.upcoming).toHaveLength(3);
    expect(shown.upcoming[0]).toEqual(job.nextFireAt);
    for (const time of shown.upcoming)
      expect(
        new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', minute: '2-digit' }).format(
          time,
        ),
      ).toBe('09:00');
    await expectCode(
      createJob(deps, admin, { project: 'jobs-a', name: 'Standup', cron: '* * * * *', template: { title: 'x' } }),
      'CONFLICT',
      /already exists/,
    );
    const activity = await listActivity(deps.db, { projectId: project.id });
    expect(activity.map((a) => a.action)).toContain('job.created');
  });

  it('refuses a broken template, cron or time zone at save time and saves nothing', async () => {
    const { deps, admin } = get();
    await createProject(deps, admin, { name: 'Jobs B' });
    const base = {
      project: 'jobs-b',
      name: 'nightly',
      cron: '0 2 * * *',
      timeZone: 'UTC',
      template: { title: 'Nightly {{date}}' },
    };
    await expectCode(
      createJob(deps, admin, { ...base, template: { title: 'Nightly {{dat}}' } }),
      'BAD_REQUEST',
      /the ticket template is broken: title: unknown placeholder \{\{dat\}\}/,
    );
    await expectCode(
      createJob(deps, admin, { ...base, template: { title: 'N', description: 'since {{date:YYYY-QQ}}' } }),
      'BAD_REQUEST',
      /description: unknown token "QQ"/,
    );
    await expectCode(
      createJob(deps, admin, { ...base, template: { title: 'N', status: 'Nope' } }),
      'BAD_REQUEST',
      /status: status "Nope" does not exist/,
    );
    await expectCode(
      createJob(deps, admin, { ...base, template: { title: 'N', workflow: 'ghost' } }),
      'BAD_REQUEST',
      /workflow: workflow "ghost" does not exist/,
    );
    await expectCode(
      createJob(deps, admin, { ...base, cron: '0 25 * * *' }),
      'BAD_REQUEST',
      /invalid cron expression "0 25 \* \* \*": Invalid value for hour/,
    );
    await expectCode(
      createJob(deps, admin, { ...base, timeZone: 'Berlin' }),
      'BAD_REQUEST',
      /unknown time zone "Berlin"/,
    );
    await expectCode(createJob(deps, admin, { ...base, template: { title: '' } }), 'VALIDATION_FAILED');
    expect(await listJobs(deps.db, admin.orgId, 'jobs-b')).toEqual([]);
    await createJob(deps, admin, base);
    await expectCode(
      updateJob(deps, admin, { project: 'jobs-b', job: 'nightly', template: { title: '{{weekday:short}}' } }),
      'BAD_REQUEST',
      /unknown placeholder/,
    );
    expect((await listJobs(deps.db, admin.orgId, 'jobs-b'))[0]!.template).toMatchObject({ title: 'Nightly {{date}}' });
    const preview = await previewJob(deps, admin.orgId, {
      project: 'jobs-b',
      cron: '0 9 * * *',
      timeZone: 'Asia/Tokyo',
      template: { title: 'Daily {{date}} {{job}}' },
      name: 'daily',
    });
    expect(preview.upcoming).toHaveLength(5);
    expect(preview.firstTitle).toMatch(/^Daily \d{4}-\d\d-\d\d daily$/);
  });

  it('edits, disables, enables and deletes, each recorded', async () => {
    const { deps, admin } = get();
    const project = await createProject(deps, admin, { name: 'Jobs C' });
    await createJob(deps, admin, {
      project: 'jobs-c',
      name: 'weekly',
      cron: '0 9 * * 1',
      template: { title: 'Weekly' },
    });
    const edited = await updateJob(deps, admin, {
      project: 'jobs-c',
      job: 'weekly',
      cron: '0 10 * * 1',
      timeZone: 'America/New_York',
      catchUp: 'once',
    });
    expect(edited.catchUp).toBe('once');
    expect(
      new Intl.DateTimeFormat('en-GB', {
        timeZone: 'America/New_York',
        hour: '2-digit',
        minute: '2-digit',
        weekday: 'short',
      }).format(edited.nextFireAt!),
    ).toBe('Mon 10:00');
    const disabled = await setJobEnabled(deps, admin, { project: 'jobs-c', job: 'weekly', enabled: false });
    expect(disabled.nextFireAt).toBeNull();
    expect((await showJob(deps, admin.orgId, { project: 'jobs-c', job: 'weekly' })).upcoming).toEqual([]);
    const enabled = await setJobEnabled(deps, admin, { project: 'jobs-c', job: 'weekly', enabled: true });
    expect(enabled.nextFireAt).toEqual(edited.nextFireAt);
    await deleteJob(deps, admin, { project: 'jobs-c', job: 'weekly' });
    await expectCode(
      showJob(deps, admin.orgId, { project: 'jobs-c', job: 'weekly' }),
      'NOT_FOUND',
      /scheduled job "weekly" does not exist/,
    );
    const actions = (await listActivity(deps.db, { projectId: project.id }))
      .map((a) => a.action)
      .filter((a) => a.startsWith('job.'));
    expect(actions).toEqual(['job.created', 'job.updated', 'job.disabled', 'job.enabled', 'job.deleted']);
  });

  it('runs a job now: a ticket from the template with its workflow, attributed to the job', async () => {
    const { deps, admin } = get();
    const project = await createProject(deps, admin, { name: 'Jobs D' });
    await createBlankWorkflow(deps, admin, { project: 'jobs-d', name: 'triage', pickup: ['Todo'], finish: ['Done'] });
    const workflow = await resolveWorkflow(deps.db, project.id, 'triage');
    await createJob(deps, admin, {
      project: 'jobs-d',
      name: 'triage sweep',
      cron: '0 6 * * *',
      timeZone: 'Asia/Tokyo',
      template: {
        title: 'Triage {{date:D MMM}}',
        description: 'Sweep for {{weekday}} ({{job}})',
        status: 'Todo',
        priority: 'high',
        labels: ['triage', 'triage'],
        workflow: 'Triage',
      },
      enabled: false,
    });
    const outcome = await runJobNow(deps, admin, { project: 'jobs-d', job: 'triage sweep' });
    expect(outcome.kind).toBe('fired');
    const [ticket] = (await listTickets(deps.db, admin.orgId, { project: 'jobs-d' })).items;
    expect(ticket!.title).toMatch(/^Triage \d{1,2} [A-Z][a-z]{2}$/);
    expect(ticket!.description).toMatch(/^Sweep for [A-Z][a-z]+day \(triage sweep\)$/);
    expect(ticket!.priority).toBe('high');
    expect(ticket!.labels).toEqual(['triage']);
    expect(ticket!.workflowId).toBe(workflow.id);
    expect(ticket!.createdBy).toBe('system:scheduled-job triage sweep');
    const fired = (await listActivity(deps.db, { projectId: project.id })).find((a) => a.action === 'job.fired')!;
    expect(fired.actorName).toBe('system:scheduled-job triage sweep');
    expect(fired.summary).toBe(`run of triage sweep requested by admin created ${ticket!.identifier}`);
    const shown = await showJob(deps, admin.orgId, { project: 'jobs-d', job: 'triage sweep' });
    expect(shown.fires).toHaveLength(1);
    expect(shown.fires[0]).toMatchObject({
      trigger: 'manual',
      scheduledFor: null,
      ticketIdentifier: ticket!.identifier,
      error: null,
    });
  });
});
