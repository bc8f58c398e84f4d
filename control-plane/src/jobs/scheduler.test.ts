import { afterAll, expect, it } from 'vitest';
import { and, asc, eq } from 'drizzle-orm';
import type { JobCreateInput } from '@openase/shared';
import { forEachDatabase } from '@openase/test-kit/databases';
import { openDatabase, type Database } from '../db/database.js';
import { createChangeBus } from '../kernel/change-bus.js';
import type { Deps } from '../kernel/context.js';
import { jobFires, scheduledJobs, tickets } from '../db/schema.js';
import { createProject } from '../projects/projects.js';
import { deleteStatus } from '../statuses/statuses.js';
import { listActivity } from '../activity/activity.js';
import { createJob, type ScheduledJob } from './jobs.js';
import { JobScheduler } from './scheduler.js';
import { waitFor } from '@openase/test-kit/wait';

/** A clock the test moves by hand. */
class ManualClock {
  constructor(private ms: number) {}
  now = () => new Date(this.ms);
  set(iso: string) {
    this.ms = Date.parse(iso);
  }
  advance(ms: number) {
    this.ms += ms;
  }
}

const leader = () => true;

/** The Europe/Berlin job both daylight-saving tests schedule at 02:30, an hour the switch skips or repeats. */
const nightlyBerlin = {
  name: 'nightly',
  cron: '30 2 * * *',
  timeZone: 'Europe/Berlin',
  template: { title: 'Nightly {{date}} {{time}}' },
};

/** One scheduler ticking every `stepMs` of the hand-moved clock until the clock reads `untilIso`. */
async function tickUntil(deps: Deps, clock: ManualClock, untilIso: string, stepMs: number) {
  const scheduler = new JobScheduler(deps, { isLeader: leader });
  while (clock.now() < new Date(untilIso)) {
    clock.advance(stepMs);
    await scheduler.tick();
  }
}

forEachDatabase('job scheduler', (get) => {
  const extraDatabases: Database[] = [];
  afterAll(async () => {
    for (const db of extraDatabases) await db.close();
  });

  async function setup(name: string, startIso: string) {
    const { deps, admin } = get();
    // Each test has the scheduler to itself: earlier tests' jobs stop.
    await deps.db.update(scheduledJobs).set({ enabled: false, nextFireAt: null });
    const clock = new ManualClock(Date.parse(startIso));
    const timed: Deps = { ...deps, clock };
    const project = await createProject(timed, admin, { name });
    /** A job in this test's project. */
    const addJob = (job: Omit<JobCreateInput, 'project'>) => createJob(timed, admin, { project: project.slug, ...job });
    return { timed, clock, admin, project, addJob };
  }
  const fires = async (deps: Deps, job: ScheduledJob) =>
    deps.db.select().from(jobFires).where(eq(jobFires.jobId, job.id)).orderBy(asc(jobFires.scheduledFor));
  const titles = async (deps: Deps, projectId: string) =>
    (
      await deps.db
        .select({ title: tickets.title })
        .from(tickets)
        .where(eq(tickets.projectId, projectId))
        .orderBy(asc(tickets.number))
    ).map((t) => t.title);

  it('fires a per-second schedule exactly once per scheduled time with two control planes racing as leaders', async () => {
    const { timed, clock, project, addJob } = await setup('Race Jobs', '2026-06-01T12:00:00.250Z');
    // A second control plane: its own connection pool on the same PostgreSQL (PGlite is one
    // process by construction, so there the two schedulers share the handle).
    let other: Deps = timed;
    if (get().kind === 'postgres') {
      const database = await openDatabase(get().target);
      extraDatabases.push(database);
      other = { ...timed, db: database.db, bus: createChangeBus() };
    }
    const job = await addJob({
      name: 'tick',
      cron: '* * * * * *',
      timeZone: 'UTC',
      template: { title: 'Tick {{date:HH:mm:ss}}' },
    });
    const a = new JobScheduler(timed, { isLeader: leader });
    const b = new JobScheduler(other, { isLeader: leader });
    const steps = [700, 1300, 400, 2100, 900, 50, 1000, 1000, 3300, 600, 1450, 800, 1000, 2000, 350];
    const reports = [];
    for (const step of steps) {
      clock.advance(step);
      reports.push(...(await Promise.all([a.tick(), b.tick(), a.tick()])));
    }
    const endSecond = Math.floor(clock.now().getTime() / 1000);
    const expected = Array.from({ length: endSecond - Date.parse('2026-06-01T12:00:00Z') / 1000 }, (_, i) =>
      new Date(Date.parse('2026-06-01T12:00:01Z') + i * 1000).toISOString(),
    );
    const rows = await fires(timed, job);
    expect(rows.map((f) => f.scheduledFor!.toISOString())).toEqual(expected);
    expect(rows.every((f) => f.ticketId && !f.error && f.trigger === 'schedule')).toBe(true);
    expect(await titles(timed, project.id)).toEqual(expected.map((t) => `Tick ${t.slice(11, 19)}`));
    expect(reports.reduce((n, r) => n + r.fired, 0)).toBe(expected.length);
    // The passes really raced: some found the scheduled time already fired by the other one.
    expect(reports.reduce((n, r) => n + r.taken, 0)).toBeGreaterThan(0);
    const fired = (await listActivity(timed.db, { projectId: project.id, limit: 1000 })).filter(
      (e) => e.action === 'job.fired',
    );
    expect(fired).toHaveLength(expected.length);
    expect(new Set(fired.map((e) => e.actorName))).toEqual(new Set(['system:scheduled-job tick']));
  });

  it('keeps Europe/Berlin wall-clock times across spring forward', async () => {
    const { timed, clock, project, addJob } = await setup('Spring Jobs', '2026-03-27T06:00:00Z');
    await addJob(nightlyBerlin);
    await addJob({
      name: 'standup',
      cron: '0 9 * * 1-5',
      timeZone: 'Europe/Berlin',
      template: { title: 'Standup {{weekday}} {{time}}' },
    });
    await tickUntil(timed, clock, '2026-03-31T00:00:00Z', 15 * 60_000);
    expect(await titles(timed, project.id)).toEqual([
      'Standup Friday 09:00', // 08:00Z (CET)
      'Nightly 2026-03-28 02:30',
      'Nightly 2026-03-29 03:30', // 02:30 does not exist that night: once, an hour later
      'Nightly 2026-03-30 02:30',
      'Standup Monday 09:00', // 07:00Z (CEST)
    ]);
  });

  it('fires a time repeated by fall back once', async () => {
    const { timed, clock, project, addJob } = await setup('Autumn Jobs', '2026-10-23T12:00:00Z');
    const job = await addJob(nightlyBerlin);
    await tickUntil(timed, clock, '2026-10-26T12:00:00Z', 10 * 60_000);
    expect(await titles(timed, project.id)).toEqual([
      'Nightly 2026-10-24 02:30',
      'Nightly 2026-10-25 02:30',
      'Nightly 2026-10-26 02:30',
    ]);
    expect((await fires(timed, job)).map((f) => f.scheduledFor!.toISOString())).toEqual([
      '2026-10-24T00:30:00.000Z',
      '2026-10-25T00:30:00.000Z',
      '2026-10-26T01:30:00.000Z',
    ]);
  });

  it('after downtime skips the missed times (skip) or fires once for them (once)', async () => {
    const { timed, clock, project, addJob } = await setup('Catch Jobs', '2026-05-01T06:00:00Z');
    const template = { title: 'Daily {{date}}' };
    const skipper = await addJob({
      name: 'skipper',
      cron: '0 9 * * *',
      timeZone: 'Europe/Berlin',
      template,
    });
    const catcher = await addJob({
      name: 'catcher',
      cron: '0 9 * * *',
      timeZone: 'Europe/Berlin',
      template,
      catchUp: 'once',
    });
    const scheduler = new JobScheduler(timed, { isLeader: leader });
    clock.set('2026-05-01T07:00:01Z');
    expect(await scheduler.tick()).toMatchObject({ fired: 2, skipped: 0 });
    // Down from just after that until an hour after the 4 May fire time: 3 times missed.
    clock.set('2026-05-04T08:00:00Z');
    expect(await scheduler.tick()).toMatchObject({ fired: 1, skipped: 3 });
    expect(await scheduler.tick()).toMatchObject({ fired: 0, skipped: 0 });
    expect((await fires(timed, skipper)).map((f) => f.trigger)).toEqual(['schedule']);
    const caught = await fires(timed, catcher);
    expect(caught.map((f) => [f.trigger, f.scheduledFor!.toISOString()])).toEqual([
      ['schedule', '2026-05-01T07:00:00.000Z'],
      ['catch-up', '2026-05-04T07:00:00.000Z'],
    ]);
    const activity = await listActivity(timed.db, { projectId: project.id, limit: 1000 });
    const skipped = activity.find((e) => e.action === 'job.fires_skipped')!;
    expect(skipped.actorName).toBe('system:scheduled-job skipper');
    expect(skipped.summary).toBe(
      'skipped 3 scheduled time(s) of skipper missed while no control plane ran (2026-05-02T07:00:00.000Z … 2026-05-04T07:00:00.000Z)',
    );
    expect(
      activity.find(
        (e) => e.action === 'job.fired' && e.actorName === 'system:scheduled-job catcher' && /catch-up/.test(e.summary),
      )!.summary,
    ).toMatch(/^catch-up fire of catcher for 3 missed time\(s\) up to 2026-05-04T07:00:00.000Z created /);
    const [stored] = await timed.db.select().from(scheduledJobs).where(eq(scheduledJobs.id, skipper.id));
    expect(stored!.nextFireAt!.toISOString()).toBe('2026-05-05T07:00:00.000Z');
    // Back in time for the next one: a fire late by less than the grace period is on time.
    clock.set('2026-05-05T07:01:30Z');
    expect(await scheduler.tick()).toMatchObject({ fired: 2, skipped: 0 });
    expect(await titles(timed, project.id)).toEqual([
      'Daily 2026-05-01',
      'Daily 2026-05-01',
      'Daily 2026-05-04',
      'Daily 2026-05-05',
      'Daily 2026-05-05',
    ]);
  });

  it('records a fire that cannot create its ticket, with the error, once', async () => {
    const { timed, clock, admin, project, addJob } = await setup('Broken Jobs', '2026-07-01T00:00:00Z');
    const job = await addJob({
      name: 'review',
      cron: '0 * * * *',
      template: { title: 'Review {{time}}', status: 'In Review' },
    });
    await deleteStatus(timed, admin, { project: project.slug, status: 'In Review' });
    const scheduler = new JobScheduler(timed, { isLeader: leader });
    clock.set('2026-07-01T01:00:05Z');
    expect(await scheduler.tick()).toMatchObject({ fired: 0, failed: 1 });
    expect(await scheduler.tick()).toMatchObject({ fired: 0, failed: 0 });
    const [fire] = await fires(timed, job);
    expect(fire).toMatchObject({ ticketId: null, trigger: 'schedule' });
    expect(fire!.error).toMatch(/status "In Review" does not exist/);
    const failed = (await listActivity(timed.db, { projectId: project.id })).filter(
      (e) => e.action === 'job.fire_failed',
    );
    expect(failed).toHaveLength(1);
    expect(await titles(timed, project.id)).toEqual([]);
    const [stored] = await timed.db
      .select()
      .from(scheduledJobs)
      .where(and(eq(scheduledJobs.id, job.id)));
    expect(stored!.nextFireAt!.toISOString()).toBe('2026-07-01T02:00:00.000Z');
  });

  it('fires only while this control plane is the leader', async () => {
    const { timed, clock, addJob } = await setup('Leader Jobs', '2026-08-01T00:00:00Z');
    const job = await addJob({
      name: 'hourly',
      cron: '0 * * * *',
      template: { title: 'Hourly {{time}}' },
    });
    clock.set('2026-08-01T01:00:10Z');
    let leading = false;
    let asked = 0;
    const scheduler = new JobScheduler(timed, { isLeader: () => (asked++, leading), intervalMs: 5 });
    scheduler.start();
    try {
      // Several passes as a follower: nothing fires.
      await waitFor('five follower passes', () => asked >= 5);
      expect(await fires(timed, job)).toEqual([]);
      leading = true;
      await waitFor('the fire once leader', async () => (await fires(timed, job)).length === 1);
    } finally {
      await scheduler.stop();
    }
    expect((await fires(timed, job))[0]!.scheduledFor!.toISOString()).toBe('2026-08-01T01:00:00.000Z');
  });
});
