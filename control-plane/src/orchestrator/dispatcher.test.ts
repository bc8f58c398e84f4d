import { and, eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { forEachDatabase, type TestDb } from '@openase/test-kit/databases';
import { openDatabase } from '../db/database.js';
import { createTicket, moveTicket } from '../tickets/tickets.js';
import { linkTickets } from '../tickets/dependencies.js';
import { importWorkflow } from '../workflows/workflows.js';
import { importSkill, setSkillEnabled } from '../skills/skills.js';
import { runs, runTransitions, tickets } from '../db/schema.js';
import { claimProject, projectsWithCandidates } from './dispatcher.js';
import { whyTicket } from './pickup-facts.js';
import { cardFacts } from '../tickets/card-facts.js';
import type { StoredAgentJob } from './job-spec.js';
import { agentProject, insertMachine } from '../../test/agent-project.js';

let n = 0;

async function project(db: TestDb, opts: { slots?: number; machines?: number; harness?: string } = {}) {
  const { deps, admin } = db;
  const slug = `d${++n}`;
  const { project: p } = await agentProject(deps, admin, {
    slug,
    ticketPrefix: `D${n}X`,
    agent: {
      model: 'claude-sonnet-4-5',
      env: { ANTHROPIC_BASE_URL: 'http://127.0.0.1:9' },
      secrets: { ANTHROPIC_API_KEY: 'sk-secret' },
    },
    harness: `finish: [In Review]\n${opts.harness ?? ''}`,
    body: 'You work on {{ ticket.identifier }}: {{ ticket.title }}.',
  });
  const machineIds: string[] = [];
  for (let i = 0; i < (opts.machines ?? 1); i++) {
    const clis = [{ name: 'claude', version: '2.1.197', path: '/usr/bin/claude' }];
    machineIds.push(
      await insertMachine(deps, admin, { name: `${slug}-m${i}`, labels: [slug], slots: opts.slots ?? 2, clis }),
    );
  }
  const ticket = (title: string, over: { priority?: 'urgent' | 'high' | 'medium' | 'low'; status?: string } = {}) =>
    createTicket(deps, admin, {
      project: slug,
      title,
      status: over.status ?? 'Todo',
      ...(over.priority ? { priority: over.priority } : {}),
    });
  return { slug, p, machineIds, ticket };
}

const runsOf = (db: TestDb, ticketId: string) => db.deps.db.select().from(runs).where(eq(runs.ticketId, ticketId));

/** The job of the run a pass gives a new ticket, once the `dev` workflow has the given harness lines. */
async function jobOf(
  db: TestDb,
  { p, slug, ticket }: Pick<Awaited<ReturnType<typeof project>>, 'p' | 'slug' | 'ticket'>,
  harness: string,
) {
  await importWorkflow(db.deps, db.admin, {
    project: slug,
    source: `---\nname: dev\nagent: claude\npickup: [Todo]\nfinish: [In Review]\n${harness}\n---\nWork.\n`,
  });
  const t = await ticket(`With ${harness}`);
  await claimProject(db.deps, p.id);
  return (await runsOf(db, t.id))[0]!.spec as StoredAgentJob;
}

/**
 * Runs `fn` with `n` other control planes' handles: each its own connection on PostgreSQL; none on PGlite, whose one
 * connection the test process already holds.
 */
async function withOtherPlanes<T>(db: TestDb, n: number, fn: (others: TestDb['deps'][]) => Promise<T>): Promise<T> {
  const opened =
    db.target.kind === 'postgres'
      ? await Promise.all(Array.from({ length: n }, () => openDatabase(db.target, { migrate: false })))
      : [];
  try {
    return await fn(opened.map((o) => ({ ...db.deps, db: o.db })));
  } finally {
    await Promise.all(opened.map((o) => o.close()));
  }
}

forEachDatabase('dispatcher', (get) => {
  it('claims a ticket in a pickup status into a queued run on a matching machine, with its job pinned', async () => {
    const { deps } = get();
    const { p, machineIds, ticket } = await project(get());
    const t = await ticket(`Add login "quoted" $(rm -rf /) ../../etc`);
    expect(await projectsWithCandidates(deps)).toContain(p.id);
    const claimed = await claimProject(deps, p.id);
    expect(claimed).toEqual([
      { runId: expect.any(String), machineId: machineIds[0], ticketId: t.id, identifier: t.identifier },
    ]);
    const [run] = await runsOf(get(), t.id);
    expect(run).toMatchObject({ state: 'queued', kind: 'agent', attempt: 1, machineId: machineIds[0] });
    const job = run!.spec as StoredAgentJob;
    expect(job.ticket.branch).toMatch(new RegExp(`^openase/${t.identifier}-add-login-quoted-rm-rf-etc$`));
    expect(job.agent.systemPrompt).toBe(`You work on ${t.identifier}: Add login "quoted" $(rm -rf /) ../../etc.\n`);
    expect(job.agent.env).toEqual({ ANTHROPIC_BASE_URL: 'http://127.0.0.1:9' }); // the secret is added only at offer time
    expect(JSON.stringify(run!.spec)).not.toContain('sk-secret');
    expect(job.repos).toEqual([{ name: 'app', url: 'file:///srv/git/app.git', defaultBranch: 'main' }]);
    expect(Object.keys(job.agent.skills)).toContain('openase-platform');
    const [after] = await deps.db.select().from(tickets).where(eq(tickets.id, t.id));
    expect(after!.attemptCount).toBe(1);
    const transitions = await deps.db.select().from(runTransitions).where(eq(runTransitions.runId, run!.id));
    expect(transitions[0]!.reason).toMatch(/dispatched .* \(run 1\) to d\d+-m0: workflow dev v1, agent claude/);
    // A second pass finds nothing more to do: the ticket has an active run.
    expect(await claimProject(deps, p.id)).toEqual([]);
  });

  it("pins the harness' permission mode and the bound skills' files as stored: bytes (base64) and the executable bit", async () => {
    const { deps, admin } = get();
    const { p, slug, ticket } = await project(get());
    const binary = Buffer.from([0x00, 0xff, 0x89, 0x50, 0x4e, 0x47, 0xc3, 0x28]);
    const b64 = (text: string | Buffer) => Buffer.from(text).toString('base64');
    await importSkill(deps, admin, {
      project: slug,
      files: [
        {
          path: 'SKILL.md',
          contentBase64: b64('---\nname: lint\ndescription: Run the linter script\n---\nRun scripts/lint.sh\n'),
        },
        { path: 'scripts/lint.sh', contentBase64: b64('#!/bin/sh\necho lint ok\n'), executable: true },
        { path: 'assets/logo.png', contentBase64: b64(binary) },
      ],
    });
    const job = await jobOf(get(), { p, slug, ticket }, 'permission_mode: acceptEdits\nskills: [lint]');
    expect(job.agent.permissionMode).toBe('acceptEdits');
    expect(job.agent.skills.lint).toEqual(
      expect.arrayContaining([
        { path: 'scripts/lint.sh', contentBase64: b64('#!/bin/sh\necho lint ok\n'), executable: true },
        { path: 'assets/logo.png', contentBase64: b64(binary), executable: false },
      ]),
    );
    expect(
      Buffer.from(job.agent.skills.lint!.find((f) => f.path === 'assets/logo.png')!.contentBase64, 'base64'),
    ).toEqual(binary);
  });

  it('pins a bound skill at the version the harness names, its current version otherwise, and leaves a disabled skill out', async () => {
    const { deps, admin } = get();
    const { p, slug, ticket } = await project(get());
    const b64 = (text: string) => Buffer.from(text).toString('base64');
    const skill = (name: string, body: string) =>
      importSkill(deps, admin, {
        project: slug,
        files: [{ path: 'SKILL.md', contentBase64: b64(`---\nname: ${name}\ndescription: ${name}\n---\n${body}\n`) }],
      });
    await skill('lint', 'v1');
    await skill('lint', 'v2');
    await skill('fmt', 'f1');
    await skill('fmt', 'f2');
    await skill('off', 'never');
    await setSkillEnabled(deps, admin, { project: slug, skill: 'off', enabled: false });
    const job = await jobOf(get(), { p, slug, ticket }, 'skills: [{ name: lint, version: 1 }, fmt, off]');
    const text = (name: string) =>
      Buffer.from(job.agent.skills[name]!.find((f) => f.path === 'SKILL.md')!.contentBase64, 'base64').toString();
    expect(Object.keys(job.agent.skills).sort()).toEqual(['fmt', 'lint', 'openase-platform']);
    expect(text('lint')).toContain('v1');
    expect(text('fmt')).toContain('f2');
  });

  it('fills free slots in priority then age order, spreading over the least loaded machines', async () => {
    const { deps } = get();
    const { p, ticket } = await project(get(), { slots: 1, machines: 2 });
    const low = await ticket('low', { priority: 'low' });
    const first = await ticket('first', { priority: 'medium' });
    const urgent = await ticket('urgent', { priority: 'urgent' });
    const claimed = await claimProject(deps, p.id);
    expect(claimed.map((c) => c.ticketId)).toEqual([urgent.id, first.id]);
    expect(new Set(claimed.map((c) => c.machineId)).size).toBe(2);
    expect(await runsOf(get(), low.id)).toEqual([]);
  });

  /** A ticket in Todo blocked by one in `status`, claimed once: nothing is dispatched. */
  async function blockedBy(status: string) {
    const { deps, admin } = get();
    const { p, ticket } = await project(get());
    const blocker = await ticket('blocker', { status });
    const blocked = await ticket('blocked');
    await linkTickets(deps, admin, { blocker: blocker.identifier, blocked: blocked.identifier });
    expect(await claimProject(deps, p.id)).toEqual([]);
    return { deps, admin, p, blocker, blocked };
  }

  it('waits for blockers and dispatches once they complete', async () => {
    const { deps, admin, p, blocker, blocked } = await blockedBy('Backlog');
    await moveTicket(deps, admin, { ticket: blocker.identifier, status: 'Done' });
    expect((await claimProject(deps, p.id)).map((c) => c.ticketId)).toEqual([blocked.id]);
  });

  it('holds a ticket whose blocker was canceled, and the board and `ticket why` say so as well', async () => {
    const { deps, admin, p, blocker, blocked } = await blockedBy('Cancelled');
    const why = await whyTicket(deps.db, deps.clock, p.orgId, blocked.identifier);
    expect(why.reasons.find((r) => r.code === 'blocked')?.message).toBe(
      `it is blocked by ${blocker.identifier} (in Cancelled: a canceled blocker still blocks; remove the link to go on)`,
    );
    // The board's "Blocked by N" counted a canceled blocker as done while dispatch held the ticket.
    expect((await cardFacts(deps.db, [blocked])).get(blocked.id)!.openBlockers).toBe(1);
    // Waiting for its blocker, not for a slot: no queue depth, no pass of its project on every sweep.
    expect(await projectsWithCandidates(deps)).not.toContain(p.id);
    await moveTicket(deps, admin, { ticket: blocker.identifier, status: 'Done' });
    expect(await projectsWithCandidates(deps)).toContain(p.id);
    expect((await cardFacts(deps.db, [blocked])).get(blocked.id)!.openBlockers).toBe(0);
    expect((await claimProject(deps, p.id)).map((c) => c.ticketId)).toEqual([blocked.id]);
  });

  it('honors the workflow limit and skips parked, archived and retry-scheduled tickets', async () => {
    const { deps } = get();
    const { p, ticket } = await project(get(), { slots: 5, harness: 'max_concurrent: 1\n' });
    const a = await ticket('a');
    const parked = await ticket('parked', { priority: 'urgent' });
    await deps.db
      .update(tickets)
      .set({ parkedReason: 'stopped after 3 of 3 attempts' })
      .where(eq(tickets.id, parked.id));
    const later = await ticket('later', { priority: 'urgent' });
    await deps.db
      .update(tickets)
      .set({ nextRetryAt: new Date(Date.now() + 60_000) })
      .where(eq(tickets.id, later.id));
    await ticket('b');
    expect((await claimProject(deps, p.id)).map((c) => c.ticketId)).toEqual([a.id]);
  });

  it('keeps a concurrency limit when several control planes claim in one project at once', async () => {
    const { deps } = get();
    const { p, ticket } = await project(get(), { slots: 100, machines: 2, harness: 'max_concurrent: 1\n' });
    for (let i = 0; i < 6; i++) await ticket(`t${i}`);
    // Each pass on its own connection (another control plane on PostgreSQL). The project's row lock must come before
    // the reads the limits are counted from: a pass that read them before another pass committed would count none.
    await withOtherPlanes(get(), 3, async (others) => {
      for (let round = 0; round < 3; round++) await Promise.all([deps, ...others].map((d) => claimProject(d, p.id)));
    });
    expect(await deps.db.select().from(runs).where(eq(runs.projectId, p.id))).toHaveLength(1);
  });

  it('never dispatches a ticket twice when several control planes claim at once', async (ctx) => {
    const { deps, target } = get();
    const { p, ticket } = await project(get(), { slots: 100, machines: 3 });
    const all = [];
    for (let i = 0; i < 40; i++) all.push(await ticket(`t${i}`));
    if (target.kind !== 'postgres') {
      // One process: concurrent passes serialize on PGlite's single connection.
      await Promise.all([claimProject(deps, p.id), claimProject(deps, p.id), claimProject(deps, p.id)]);
    } else {
      await withOtherPlanes(get(), 2, (others) => Promise.all([deps, ...others].map((d) => claimProject(d, p.id))));
    }
    const rows = await deps.db
      .select({ ticketId: runs.ticketId })
      .from(runs)
      .where(and(eq(runs.projectId, p.id)));
    expect(rows.length).toBe(40);
    expect(new Set(rows.map((r) => r.ticketId)).size).toBe(40);
    void ctx;
  });
});
