/**
 * Set-up shared by the real-CLI orchestrator tests (real-cli-*.test.ts): one control plane per
 * file with its local daemon, the pinned real CLI (installed on demand), one scripted fake model
 * server, and per test a project with a local bare repository, an agent of the CLI's adapter
 * pointed at a named script of the fake server (through its env and a bound secret, the way a
 * real provider key is configured) and a workflow Todo → In Review written as a harness file.
 * The control plane finds the CLI as real-cli-control-plane.ts says; the cases every CLI passes
 * are real-cli-cases.ts.
 */
import path from 'node:path';
import { TERMINAL_RUN_STATES, ticketBranchName } from '@openase/shared';
import { afterAll, beforeAll } from 'vitest';
import { createTestRemote, type TestRemote } from '@openase/test-kit/git-remote';
import { useFakeModelServer, type FakeModelServer, type FakeScript } from '@openase/test-kit/fake-models';
import { ensureCli, type PinnedCli } from '@openase/test-kit/real-clis';
import { allEvents, killLeftoverRuns, tempDir, waitFor, type ControlPlane } from '@openase/test-kit/fleet-harness';
import { startCliControlPlane } from './real-cli-control-plane.js';

const ADAPTER = { claude: 'claude-code', codex: 'codex', gemini: 'gemini' } as const;

/** How each CLI is pointed at a fake server script: plain env plus the API key as a secret. */
function providerSettings(
  cli: PinnedCli,
  baseUrl: string,
): { env: Record<string, string>; secrets: Record<string, string> } {
  if (cli === 'claude')
    return {
      env: { ANTHROPIC_BASE_URL: baseUrl, CLAUDE_CODE_MAX_RETRIES: '0' },
      secrets: { ANTHROPIC_API_KEY: 'sk-ant-fake' },
    };
  if (cli === 'codex') return { env: { OPENAI_BASE_URL: `${baseUrl}/v1` }, secrets: { OPENAI_API_KEY: 'sk-fake' } };
  return { env: { GOOGLE_GEMINI_BASE_URL: baseUrl }, secrets: { GEMINI_API_KEY: 'fake-gemini-key' } };
}

export interface WorkflowOptions {
  permissionMode?: 'default' | 'acceptEdits' | 'bypassPermissions' | 'plan';
  deny?: string[];
  /** `tools.ask` patterns: calls a person approves or declines. */
  ask?: string[];
  approvalTimeoutMinutes?: number;
  maxTurns?: number;
  maxAttempts?: number;
}

export function useRealCliControlPlane(cli: PinnedCli) {
  const models = useFakeModelServer();
  let cp: ControlPlane | undefined;
  let home = '';
  const remotes: TestRemote[] = [];
  let n = 0;

  beforeAll(async () => {
    home = tempDir(`cp-${cli}`);
    ({ cp } = await startCliControlPlane(cli, home));
  }, 600_000);
  afterAll(async () => {
    killLeftoverRuns();
    await cp?.proc.kill();
    for (const r of remotes) r.cleanup();
  });

  const h = {
    cli,
    get cp(): ControlPlane {
      if (!cp) throw new Error('the control plane is not started yet');
      return cp;
    },
    get server(): FakeModelServer {
      return models.server;
    },
    /**
     * A project (prefix `<P>`), its repository, an agent driving the real CLI against script
     * `steps(worktree)` and a workflow Todo → In Review. Its first ticket is `<P>-1`, whose
     * worktree on the local machine is passed to `steps` (Claude's and Gemini's file tools
     * take absolute paths).
     */
    async project(script: (worktree: string) => FakeScript, workflow: WorkflowOptions = {}) {
      const slug = `${cli}${++n}`;
      const prefix = `${cli.slice(0, 2).toUpperCase()}${n}`;
      const identifier = `${prefix}-1`;
      const remote = createTestRemote();
      remotes.push(remote);
      h.server.setScript(slug, script(path.join(home, 'local-machine', 'workspaces', 'tickets', identifier, 'app')));
      const api = h.cp.api;
      await api.projects.create.mutate({ name: slug, ticketPrefix: prefix });
      await api.repositories.add.mutate({ project: slug, name: 'app', url: remote.url, defaultBranch: 'main' });
      const provider = providerSettings(cli, h.server.baseUrl(slug));
      await api.agents.create.mutate({
        project: slug,
        name: cli,
        adapter: ADAPTER[cli],
        command: ensureCli(cli),
        ...provider,
        pricing: { input: 2, output: 10, cached: 0.5 },
      });
      const frontMatter = [
        `name: ${cli}-work`,
        `agent: ${cli}`,
        'pickup: [Todo]',
        'finish: [In Review]',
        `max_turns: ${workflow.maxTurns ?? 2}`,
        `max_attempts: ${workflow.maxAttempts ?? 1}`,
        ...(workflow.permissionMode ? [`permission_mode: ${workflow.permissionMode}`] : []),
        ...(workflow.deny || workflow.ask ? ['tools:'] : []),
        ...(workflow.deny ? [`  deny: [${workflow.deny.join(', ')}]`] : []),
        ...(workflow.ask ? [`  ask: [${workflow.ask.map((p) => JSON.stringify(p)).join(', ')}]`] : []),
        ...(workflow.approvalTimeoutMinutes ? [`approval_timeout_minutes: ${workflow.approvalTimeoutMinutes}`] : []),
      ];
      await api.workflows.import.mutate({
        project: slug,
        source: `---\n${frontMatter.join('\n')}\n---\nYou implement the ticket in the repository, then move it to In Review with the openase command.\n`,
      });
      return {
        slug,
        remote,
        identifier,
        /** Creates the ticket and moves it to Todo (the workflow's pickup status). */
        async ticket(title: string) {
          const t = await api.tickets.create.mutate({ project: slug, title });
          if (t.identifier !== identifier) throw new Error(`expected ticket ${identifier}, got ${t.identifier}`);
          await api.tickets.move.mutate({ ticket: t.identifier, status: 'Todo' });
          return { identifier, branch: ticketBranchName(identifier, title) };
        },
      };
    },
    show: (ticket: string) => h.cp.api.tickets.show.query({ ticket }),
    /** Polls the ticket until `condition` holds (the run's outcome is settled after it ends). */
    waitForTicket(
      ticket: string,
      condition: (t: Awaited<ReturnType<ControlPlane['api']['tickets']['show']['query']>>) => boolean,
    ) {
      return waitFor(`${ticket} to be settled`, async () => {
        const t = await h.show(ticket);
        return condition(t) ? t : undefined;
      });
    },
    /** Waits until the ticket's latest run reached a terminal state, and returns it. */
    async endedRun(ticket: string) {
      const api = h.cp.api;
      const id = await waitFor(
        () => `a run of ${ticket} to end\n${h.cp.proc.output.slice(-3000)}`,
        async () => {
          const run = (await api.tickets.show.query({ ticket })).runs[0];
          return run && TERMINAL_RUN_STATES.has(run.state) ? run.id : undefined;
        },
        240_000,
      );
      return { run: await api.runs.show.query({ run: id }), events: (await allEvents(api, id)).map((e) => e.event) };
    },
    /** The ticket's tool calls waiting for a person, once there are `n`. */
    waitingApprovals(ticket: string, n = 1) {
      return waitFor(
        () => `${n} tool call(s) of ${ticket} to wait for approval\n${h.cp.proc.output.slice(-3000)}`,
        async () => {
          const approvals = (await h.show(ticket)).approvals;
          return approvals.length >= n ? approvals : undefined;
        },
        120_000,
      );
    },
  };
  return h;
}

export type RealCliHarness = ReturnType<typeof useRealCliControlPlane>;
