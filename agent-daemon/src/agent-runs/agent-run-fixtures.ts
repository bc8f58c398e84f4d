/**
 * Shared setup of the agent-run tests (agent-run-*.test.ts): agent runs end to end on the real daemon
 * process. The test plays the control plane over the stdio transport, the agent is the scripted stand-in
 * program (adapter `custom`), git is real with a local bare remote, hooks are real shell commands and the
 * wrapper calls a recording HTTP server.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ticketBranchName } from '@openase/shared/domain/naming';
import { type AgentJobSpec, type HookSpecWire } from '@openase/shared/protocol/agent-run';
import { afterAll, beforeAll } from 'vitest';
import { buildDaemonBundle, startDaemon, type DaemonUnderTest } from '@openase/test-kit/daemon-process';
import { createTestRemote, type TestRemote } from '@openase/test-kit/git-remote';
import { startTrpcRecorder, type TrpcRecorder } from '../../test-support/trpc-recorder.js';
import { standInAgent } from '@openase/test-kit/stand-in';

/** The daemon bundle and the recording platform, set by useAgentRunFixtures' beforeAll. */
export let bundle: string;
export let platform: TrpcRecorder;
export const cleanups: Array<() => void | Promise<void>> = [];
let counter = 0;

type Step = Record<string, unknown>;
interface JobOptions {
  identifier?: string;
  title?: string;
  turns: Array<{ steps: Step[] }>;
  hooks?: Partial<Record<string, HookSpecWire[]>>;
  paths?: AgentJobSpec['paths'];
}

function remote(): TestRemote {
  const r = createTestRemote({ 'README.md': '# demo\n', 'src/app.txt': 'v1\n' });
  cleanups.push(() => r.cleanup());
  return r;
}

async function daemon(): Promise<DaemonUnderTest> {
  const d = await startDaemon({ bundle });
  cleanups.push(async () => {
    if (d.child.exitCode === null) await d.stop();
    fs.rmSync(d.home, { recursive: true, force: true });
  });
  return d;
}

function job(r: TestRemote, o: JobOptions): AgentJobSpec {
  const scriptFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'openase-script-')), 'script.json');
  fs.writeFileSync(scriptFile, JSON.stringify({ turns: o.turns }));
  const identifier = o.identifier ?? `DEMO-${++counter}`;
  const title = o.title ?? 'Add a greeting';
  return {
    kind: 'agent',
    ticket: { id: `ticket-${identifier}`, identifier, title, branch: ticketBranchName(identifier, title) },
    project: { slug: 'demo' },
    repos: [{ name: 'app', url: r.url, defaultBranch: 'main' }],
    attempt: 1,
    maxAttempts: 3,
    agent: standInAgent(scriptFile, { prompt: 'do the task', maxTurns: 10, env: { SECRET_FOR_AGENT: 's3cret' } }),
    hooks: o.hooks ?? {},
    paths: o.paths ?? {},
    platform: { url: platform.url, token: 'oar_test_token' },
  };
}

const hook = (run: string, policy: HookSpecWire['policy'] = 'block'): HookSpecWire => ({
  run,
  timeout: 30,
  policy,
});

async function offer(d: DaemonUnderTest, spec: AgentJobSpec): Promise<string> {
  const runId = `run-${spec.ticket.identifier}`;
  d.send({ type: 'run.offer', runId, leaseEpoch: 1, spec });
  await d.waitFrame('run.accept', (f) => f.runId === runId);
  return runId;
}

const turnFrame = (d: DaemonUnderTest, runId: string, turn: number) =>
  d.waitFrame('run.turn', (f) => f.runId === runId && f.turn === turn, `run.turn ${turn} of ${runId}`);
const finished = (d: DaemonUnderTest, runId: string) =>
  d.waitFrame('run.finished', (f) => f.runId === runId, `run.finished of ${runId}`);
const next = (
  d: DaemonUnderTest,
  runId: string,
  turn: number,
  action: 'continue' | 'finish' | 'stop',
  extra: { input?: string; outcome?: 'succeeded' | 'failed'; reason?: string } = {},
) => d.send({ type: 'run.next', runId, leaseEpoch: 1, turn, action, ...extra });
const ofType = <T extends string>(d: DaemonUnderTest, runId: string, type: T) =>
  d.events(runId).filter((e) => e.type === type) as Array<
    Extract<ReturnType<DaemonUnderTest['events']>[number], { type: T }>
  >;

/**
 * Builds the bundle and starts the platform before the file's tests, cleans up after them; returns the
 * helpers the tests start daemons and runs with.
 */
export function useAgentRunFixtures() {
  beforeAll(async () => {
    bundle = await buildDaemonBundle();
    platform = await startTrpcRecorder();
  }, 120_000);
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
    await platform?.close();
  });
  return { daemon, finished, hook, job, next, offer, ofType, remote, turnFrame };
}
