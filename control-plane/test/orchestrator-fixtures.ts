/**
 * Shared setup of the orchestrator tests (orchestrator-*.test.ts): the orchestrator against the fleet
 * hub, with the test playing a daemon frame by frame.
 */
import { eq } from 'drizzle-orm';
import type { AgentJobSpec, ControlFrame, RunEvent } from '@openase/shared';
import { type TestDb } from '@openase/test-kit/databases';
import { waitFor } from '@openase/test-kit/wait';
import { fakeDaemon, helloFrame, startOrchestrator } from './fake-daemon.js';
import { agentProject } from './agent-project.js';
import { createJoinToken, redeemJoinToken } from '../src/fleet/join.js';
import { FleetHub } from '../src/fleet/hub.js';
import { runs, tickets } from '../src/db/schema.js';
import { authenticateRunToken } from '../src/auth/run-tokens.js';
import { appRouter } from '../src/api/router.js';

export const clock = { offsetMs: 0, now: () => new Date(Date.now() + clock.offsetMs) };

let n = 0;

export type Setup = Awaited<ReturnType<typeof setup>>;

export async function setup(db: TestDb, harness = '') {
  const deps = { ...db.deps, clock };
  const { admin } = db;
  const slug = `o${++n}`;
  await agentProject(deps, admin, {
    slug,
    ticketPrefix: `O${n}X`,
    agent: { secrets: { ANTHROPIC_API_KEY: 'sk-from-secret' } },
    harness: `finish: [In Review]\nmax_attempts: 2\n${harness}`,
    body: 'Work on {{ ticket.title }}.',
  });
  const join = await createJoinToken(deps, admin, { labels: [slug] });
  const { machine } = await redeemJoinToken(deps, join.token, { name: `${slug}-box`, slots: 2 });
  const hub = new FleetHub(deps, { offerTimeoutMs: 60_000 });
  const orchestrator = startOrchestrator(deps, hub);
  // The test is the daemon: it sees every frame the hub sends and answers by hand.
  const { frames: received, conn, send } = fakeDaemon(hub, machine);
  conn.receive(
    helloFrame({ labels: [slug], slots: 2, clis: [{ name: 'claude', version: '2.1.197', path: '/usr/bin/claude' }] }),
  );
  await waitFor('the welcome', () => received.some((f) => f.type === 'welcome'));
  const frames = <T extends ControlFrame['type']>(type: T) =>
    received.filter((f): f is Extract<ControlFrame, { type: T }> => f.type === type);
  let seq = 0;
  const taken = new Set<string>();
  const runAgent = async (ticketRef: string) => {
    const fresh = () =>
      frames('run.offer').find(
        (o) => o.spec.kind === 'agent' && o.spec.ticket.identifier === ticketRef && !taken.has(o.runId),
      );
    await waitFor(`an offer for ${ticketRef}`, () => !!fresh());
    const offer = fresh()!;
    taken.add(offer.runId);
    const f = { runId: offer.runId, leaseEpoch: offer.leaseEpoch };
    send({ type: 'run.accept', ...f });
    send({ type: 'run.started', ...f });
    seq = 0;
    const events = (...evs: RunEvent[]) =>
      send({ type: 'run.events', ...f, events: evs.map((event) => ({ seq: ++seq, ts: Date.now(), event })) });
    const answer = async (frame: object, type: 'run.turn' | 'run.gate') => {
      const before = frames('run.next').length;
      send({ type, ...f, lastSeq: seq, ...frame });
      await waitFor(`an answer to ${type}`, () => frames('run.next').length > before);
      return frames('run.next').at(-1)!;
    };
    const finish = async (exitCode: number, reason: string) => {
      send({ type: 'run.finished', ...f, lastSeq: seq, exitCode, signal: null, reason });
      await waitFor(
        'the run to be settled',
        async () => (await deps.db.select().from(runs).where(eq(runs.id, f.runId)))[0]!.settledAt !== null,
      );
    };
    const agentApi = async () =>
      appRouter.createCaller({
        deps,
        actor: await authenticateRunToken(deps, (offer.spec as AgentJobSpec).platform.token),
      });
    return {
      offer,
      spec: offer.spec as AgentJobSpec,
      events,
      turn: (fr: object) => answer(fr, 'run.turn'),
      /** A tools.ask call waiting for a person (`run.approval`). */
      approval: (fr: object) => send({ type: 'run.approval', ...f, ...fr }),
      gate: (fr: object) => answer(fr, 'run.gate'),
      finish,
      agentApi,
    };
  };
  const ticketRow = async (id: string) => (await deps.db.select().from(tickets).where(eq(tickets.id, id)))[0]!;
  const stop = async () => {
    await orchestrator.stop();
    await hub.stop();
  };
  return { deps, admin, slug, machine, orchestrator, hub, frames, runAgent, ticketRow, stop };
}

/** Runs `work` with the orchestrator `setup` starts, and stops it afterwards whatever happens. */
export async function withOrchestrator(db: TestDb, harness: string, work: (o: Setup) => Promise<void>) {
  const o = await setup(db, harness);
  try {
    await work(o);
  } finally {
    await o.stop();
  }
}

/** Runs `work` with the clock `ms` ahead, and puts it back afterwards whatever happens. */
export async function withClockAhead(ms: number, work: () => Promise<void>) {
  clock.offsetMs += ms;
  try {
    await work();
  } finally {
    clock.offsetMs = 0;
  }
}

/** A sweep cancels `a`'s run (`what` names the wait): its daemon ends it as canceled; answers the run as stored. */
export async function sweepCancels(o: Setup, a: Awaited<ReturnType<Setup['runAgent']>>, what: string) {
  await o.orchestrator.sweep();
  await waitFor(what, () => o.frames('run.cancel').some((c) => c.runId === a.offer.runId));
  await a.finish(143, 'canceled');
  const [run] = await o.deps.db.select().from(runs).where(eq(runs.id, a.offer.runId));
  return run!;
}
