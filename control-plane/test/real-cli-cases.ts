/**
 * The cases every real CLI passes (real-cli-*.test.ts), each a vitest `it` on the harness of
 * real-cli-orchestrator.ts: a ticket completed, a denied shell, a push waiting for a person, a
 * question and its answer, a steering message, a rate limit's reset.
 */
import { spawnSync } from 'node:child_process';
import { TERMINAL_RUN_STATES } from '@openase/shared';
import { expect, it } from 'vitest';
import type { FakeStep } from '@openase/test-kit/fake-models';
import { CP_BUNDLE, waitFor } from '@openase/test-kit/fleet-harness';
import type { RealCliHarness, WorkflowOptions } from './real-cli-orchestrator.js';

/** The run's `openase` wrapper by absolute path (Codex's login shell resets PATH). */
export const WRAPPER = '"$OPENASE_WORKSPACE/.openase/bin/openase"';

/**
 * The acceptance case: a ticket moved to Todo is worked by the real CLI — a file written
 * with its own edit tool, a comment and the move by the agent through `openase ticket …` — and
 * ends In Review with the file committed on its branch in the remote and usage and cost
 * recorded on the run and the ticket. `write` is this CLI's file-writing step.
 */
export function itCompletesATicket(
  h: RealCliHarness,
  write: (worktree: string) => FakeStep,
  workflow: WorkflowOptions = {},
): void {
  it(`${h.cli}: a ticket moved to Todo ends In Review, the file committed on its branch, usage and cost recorded`, async () => {
    const p = await h.project(
      (worktree) => ({
        steps: [
          write(worktree),
          { shell: `${WRAPPER} ticket comment "$OPENASE_TICKET" "hello.txt is written"` },
          { shell: `${WRAPPER} ticket move "$OPENASE_TICKET" "In Review"` },
          { text: 'hello.txt is written; the ticket is in review' },
        ],
      }),
      workflow,
    );
    const { identifier, branch } = await p.ticket('Say hello');
    const { run, events } = await h.endedRun(identifier);
    expect(run, run.stateReason ?? '').toMatchObject({
      state: 'succeeded',
      machineName: 'local',
      sessionId: expect.any(String),
    });
    const ticket = await h.show(identifier);
    expect(ticket.status.name).toBe('In Review');
    // The agent's `openase` is the person's CLI: `openase ticket comment/move "$OPENASE_TICKET" …` as the run.
    expect(ticket.comments.map((c) => c.body)).toContain('hello.txt is written');
    expect(p.remote.show(branch, 'hello.txt')).toBe('Hello from the agent\n');
    expect(p.remote.log(branch)[0]).toMatch(new RegExp(`^${identifier}: `));
    // The wrapper's answer, seen by the CLI's own shell tool.
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'command',
        output: expect.stringContaining(`${identifier} will move to In Review once the checks before finishing pass`),
      }),
    );
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'file.change', path: expect.stringMatching(/hello\.txt$/) }),
    );
    expect(events).toContainEqual(expect.objectContaining({ type: 'session.started', sessionId: run.sessionId }));
    expect(run.inputTokens).toBeGreaterThan(0);
    expect(run.outputTokens).toBeGreaterThan(0);
    expect(run.costUsd).toBeGreaterThan(0);
    expect(ticket).toMatchObject({
      inputTokens: run.inputTokens,
      outputTokens: run.outputTokens,
      costUsd: run.costUsd,
    });
  });
}

/** A harness denying the shell: the CLI is refused the command, recorded, and the run says so. */
export function itRefusesADeniedShell(h: RealCliHarness, deniedName: string): void {
  it(`${h.cli}: a harness denying the shell refuses the command (a denied tool call) and the run's result says so`, async () => {
    const p = await h.project(
      () => ({
        steps: [{ shell: `${WRAPPER} move "In Review"` }, { text: 'I was not allowed to run the command' }],
      }),
      { deny: ['Bash'], maxTurns: 1 },
    );
    const { identifier } = await p.ticket('Try the shell');
    const { run, events } = await h.endedRun(identifier);
    expect(run.state).toBe('failed');
    expect(run.stateReason).toContain(`the harness refused: ${deniedName}`);
    expect(events).toContainEqual(expect.objectContaining({ type: 'tool.result', ok: false, denied: true }));
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'result', reason: `the harness refused: ${deniedName}` }),
    );
    expect(events.some((e) => e.type === 'command' && 'output' in e && String(e.output).includes('will move'))).toBe(
      false,
    );
    expect((await h.show(identifier)).status.name).toBe('Todo');
  });
}

/**
 * `tools.ask: ["Bash(git push*)"]` with the real CLI: the first push waits until a person approves it with the API
 * (then it runs), the second is declined with `openase run decline --reason` (the model sees the reason and the
 * push never runs), and the run goes on to finish the ticket. A second project's push nobody answers is declined by
 * itself after approval_timeout_minutes.
 */
export function itAsksAPersonBeforeAPush(h: RealCliHarness): void {
  const push = (n: number) => `git push --porcelain --dry-run nowhere 2>/dev/null; echo push-ran-${n}`;
  it(`${h.cli}: a push matching tools.ask waits for a person: approved it runs, declined the agent hears why`, async () => {
    const p = await h.project(
      () => ({
        steps: [
          { shell: push(1) },
          { shell: push(2) },
          { shell: `${WRAPPER} move "In Review"` },
          { text: 'pushed once, as allowed' },
        ],
      }),
      { ask: ['Bash(git push*)'], maxTurns: 1 },
    );
    const { identifier } = await p.ticket('Push with approval');
    const [first] = await h.waitingApprovals(identifier);
    expect(first).toMatchObject({ tool: expect.any(String), detail: push(1), rule: 'Bash(git push*)' });
    await h.cp.api.runs.approve.mutate({ run: first!.runId });
    const second = await waitFor(
      () => `the second push to wait\n${h.cp.proc.output.slice(-3000)}`,
      async () => (await h.show(identifier)).approvals.find((a) => a.detail === push(2)),
      120_000,
    );
    const declined = spawnSync(
      process.execPath,
      [CP_BUNDLE, 'run', 'decline', second.runId, '--reason', 'one push is enough 9c2e'],
      { env: { ...process.env, OPENASE_URL: h.cp.url, OPENASE_TOKEN: h.cp.token }, encoding: 'utf8' },
    );
    expect(declined.status, declined.stderr).toBe(0);
    expect(declined.stdout).toContain('declined');
    const { run, events } = await h.endedRun(identifier);
    expect(run.state, run.stateReason ?? '').toBe('succeeded');
    const outputs = events.filter((e) => e.type === 'command').map((e) => String(e.output ?? ''));
    expect(outputs.some((o) => o.includes('push-ran-1'))).toBe(true);
    expect(outputs.some((o) => o.includes('push-ran-2'))).toBe(false);
    expect(events.filter((e) => e.type === 'approval').map((e) => [e.state, e.by])).toEqual([
      ['waiting', undefined],
      ['approved', 'admin'],
      ['waiting', undefined],
      ['declined', 'admin'],
    ]);
    const bodies = h.server.requestsFor(p.slug).map((r) => String(JSON.stringify(r.body)));
    expect(bodies.some((b) => b.includes('one push is enough 9c2e'))).toBe(true);
    const actions = (await h.show(identifier)).activity.map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['run.approval_requested', 'run.approved', 'run.declined']));
  });
  it(`${h.cli}: a push nobody answers is declined by itself after approval_timeout_minutes`, async () => {
    const p = await h.project(() => ({ steps: [{ shell: push(3) }, { text: 'nobody answered' }] }), {
      ask: ['Bash(git push*)'],
      approvalTimeoutMinutes: 0.02,
      maxTurns: 1,
    });
    const { identifier } = await p.ticket('Push nobody approves');
    const { events } = await h.endedRun(identifier);
    expect(events.filter((e) => e.type === 'approval').at(-1)).toMatchObject({
      state: 'declined',
      by: 'approval timeout',
      reason: 'nobody approved it within approval_timeout_minutes (0.02)',
    });
    expect(events.some((e) => e.type === 'command' && String(e.output ?? '').includes('push-ran-3'))).toBe(false);
    const bodies = h.server.requestsFor(p.slug).map((r) => String(JSON.stringify(r.body)));
    expect(bodies.some((b) => b.includes('approval_timeout_minutes'))).toBe(true);
  });
}

/**
 * `openase ticket ask` from the agent's workspace: its run ends cleanly (the slot is freed) and the ticket waits
 * for input; the answer re-dispatches it, resuming the same CLI session with the answer as the next prompt.
 */
export function itAsksAQuestion(h: RealCliHarness): void {
  it(`${h.cli}: the agent asks a question, its run ends, and the answer resumes the same session`, async () => {
    const p = await h.project(() => ({
      steps: [
        { shell: `${WRAPPER} ticket ask "Which database should the cache use?"` },
        { text: 'I asked which database to use.' },
      ],
    }));
    const { identifier } = await p.ticket('Add a cache');
    const first = await h.endedRun(identifier);
    const commands = JSON.stringify(first.events.filter((e) => e.type === 'command' || e.type === 'tool.result'));
    expect(first.run, `${first.run.stateReason ?? ''}\n${commands}`).toMatchObject({
      state: 'succeeded',
      stateReason: expect.stringContaining('waiting for input: Which database should the cache use?'),
    });
    const waiting = await h.show(identifier);
    expect(waiting).toMatchObject({ question: 'Which database should the cache use?', answer: null });
    expect(waiting.status.name).toBe('Todo');
    expect(waiting.runs).toHaveLength(1);
    await h.cp.api.tickets.answer.mutate({ ticket: identifier, answer: 'Use Redis 7 for the cache 4b1f' });
    const second = await waitFor(
      () => `a second run of ${identifier}\n${h.cp.proc.output.slice(-3000)}`,
      async () => {
        const runs = (await h.show(identifier)).runs;
        return runs.length === 2 && TERMINAL_RUN_STATES.has(runs[0]!.state) ? runs[0] : undefined;
      },
      240_000,
    );
    const resumed = await h.cp.api.runs.show.query({ run: second.id });
    expect(resumed.sessionId).toBe(first.run.sessionId);
    const bodies = h.server.requestsFor(p.slug).map((r) => String(JSON.stringify(r.body)));
    // The resumed conversation: the question's tool call and the answer in one request.
    expect(
      bodies.some((b) => b.includes('Use Redis 7 for the cache 4b1f') && b.includes('Which database should')),
    ).toBe(true);
    expect((await h.show(identifier)).question).toBeNull();
  });
}

/**
 * Steering: a person's message sent while the agent's turn runs is the next turn's input; the fake model server
 * sees it in the next request, and the transcript has it with the sender's name.
 */
export function itTakesASteeringMessage(h: RealCliHarness): void {
  it(`${h.cli}: a message sent to the live run reaches the model in the next turn`, async () => {
    const p = await h.project(() => ({ steps: [{ shell: 'sleep 5; echo slept' }, { text: 'turn over' }] }), {
      maxTurns: 2,
    });
    const { identifier } = await p.ticket('Take advice');
    // The model has asked for the command (the CLI runs it now): the message arrives during the turn.
    const runId = await waitFor(
      () => `the agent's command to start\n${h.cp.proc.output.slice(-3000)}`,
      async () => {
        const run = (await h.show(identifier)).runs[0];
        return run && h.server.requestsFor(p.slug).some((r) => r.api !== 'other') ? run.id : undefined;
      },
      120_000,
    );
    await h.cp.api.runs.steer.mutate({ run: runId, text: 'use the existing HTTP client instead 3d9a' });
    const { events } = await h.endedRun(identifier);
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'message',
        role: 'user',
        author: 'admin',
        text: expect.stringContaining('3d9a'),
      }),
    );
    const bodies = h.server.requestsFor(p.slug).map((r) => String(JSON.stringify(r.body)));
    expect(bodies.some((b) => b.includes('use the existing HTTP client instead 3d9a'))).toBe(true);
  });
}

/**
 * A provider 429 that states its reset (`step`, made from `resetMs` = an hour from the test's
 * clock — never a time of day): the run ends, the ticket waits until the reset the CLI
 * reported (`next_retry_at` = the run's last `rate_limit` event, within the CLI's rounding of
 * `resetMs`), the attempt is given back (max_attempts is 1, yet the ticket is not parked) and
 * no other run starts.
 */
export function itWaitsForARateLimitReset(h: RealCliHarness, step: (resetMs: number) => FakeStep): void {
  it(`${h.cli}: a 429 with a reset time parks the ticket until the reset without using an attempt`, async () => {
    const resetMs = Math.ceil(Date.now() / 1000) * 1000 + 3_600_000;
    const p = await h.project(() => ({ steps: [step(resetMs)] }));
    const { identifier } = await p.ticket('Meet a rate limit');
    const { run, events } = await h.endedRun(identifier);
    const limits = events.filter((e) => e.type === 'rate_limit' && 'resetAt' in e && e.resetAt);
    const resetAt = (limits.at(-1) as { resetAt: string } | undefined)?.resetAt;
    expect(resetAt, JSON.stringify(events.filter((e) => e.type === 'error'))).toBeDefined();
    expect(Date.parse(resetAt!)).toBeGreaterThanOrEqual(resetMs - 60_000);
    expect(Date.parse(resetAt!)).toBeLessThanOrEqual(resetMs + 120_000);
    expect(run.state).toBe('failed');
    expect(run.stateReason).toContain('the provider rate-limited the agent until');
    const ticket = await h.waitForTicket(identifier, (t) => t.nextRetryAt !== null || t.parkedReason !== null);
    expect(ticket).toMatchObject({ parkedReason: null, attemptCount: 0 });
    expect(new Date(ticket.nextRetryAt!).toISOString()).toBe(new Date(resetAt!).toISOString());
    expect(ticket.runs).toHaveLength(1);
  });
}
