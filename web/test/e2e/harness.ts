/**
 * What the browser tests stand on: the real control plane (the built bundle, port 0, a fresh
 * data dir, embedded database), the real CLI bundle against it, and Debian's Chromium driven by
 * playwright-core (never a downloaded browser).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { createTestRemote, type TestRemote } from '@openase/test-kit/git-remote';
// @ts-expect-error plain ESM helper without types
import { root } from '../../../scripts/lib/bootstrap.mjs';
import { startServerProcess, type ServerProcess } from '@openase/test-kit/server-process';
import { readCredentials } from '@openase/control-plane/server/credentials';
import { STAND_IN_AGENT } from '@openase/test-kit/stand-in';
import { ensureCli } from '@openase/test-kit/real-clis';
import { useFakeModelServer, type FakeModelServer } from '@openase/test-kit/fake-models';
// @ts-expect-error plain ESM helper without types
import { demoCaller, seedDemoProject } from '../../../scripts/lib/demo-console.mjs';
// @ts-expect-error plain ESM helper without types (shared with the board benchmark)
import { CHROMIUM_ARGS as chromiumArgs } from '../../../scripts/lib/chromium.mjs';

export const repoRoot = root as string;
export const screenshotDir = path.join(repoRoot, 'test-artifacts', 'screenshots');

export const CHROMIUM_ARGS = chromiumArgs as string[];

export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(
    Boolean,
  ) as string[];
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found)
    throw new Error(
      'Chromium is not installed: run `apt-get install -y chromium` (or set CHROMIUM_PATH); .ci/run installs it',
    );
  return found;
}

export type ControlPlane = ServerProcess;

export interface DemoProject {
  project: string;
  ticket: string;
  workflow: string;
  job: string;
}

/** The demo project (scripts/lib/demo-console.mjs) made through the API as the admin. */
export function seedDemo(cp: ControlPlane): Promise<DemoProject> {
  const token = readCredentials(cp.home)?.token;
  if (!token) throw new Error(`no admin credentials in ${cp.home}`);
  return seedDemoProject(demoCaller(cp.url, token));
}

/** The control plane serving this checkout's built console (web/dist). */
export function startControlPlane(env: NodeJS.ProcessEnv = {}): Promise<ControlPlane> {
  // Two slots for machine `local` whatever the host's cores (tests fill them on purpose).
  return startServerProcess({
    prefix: 'openase-e2e-',
    env: { OPENASE_WEB_DIST: path.join(repoRoot, 'web', 'dist'), OPENASE_LOCAL_SLOTS: '2', ...env },
  });
}

export async function launchBrowser(
  viewport = { width: 1280, height: 800 },
): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'openase-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath(),
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
  });
  return {
    context,
    async close() {
      await context.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it returns a value (not undefined) or the deadline passes. */
export async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  what: string,
  deadlineMs = 10_000,
): Promise<T> {
  const until = Date.now() + deadlineMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The in-repo stand-in agent (test-kit/src/stand-in-agent.mjs). */
export const STAND_IN = STAND_IN_AGENT;

/**
 * `openase agent create claude` in `project`: the real Claude Code CLI `command` against fake-model `baseUrl`. Returns
 * once machine `local` is online with claude in its CLI inventory (placement needs it there).
 */
export async function addClaudeAgent(
  cli: (args: string[]) => string,
  project: string,
  command: string,
  baseUrl: string,
): Promise<void> {
  cli([
    ...['agent', 'create', 'claude', '--project', project, '--adapter', 'claude-code', '--command', command],
    ...['--env', 'ANTHROPIC_API_KEY=sk-ant-fake', '--env', `ANTHROPIC_BASE_URL=${baseUrl}`],
    ...['--env', 'CLAUDE_CODE_MAX_RETRIES=0'],
  ]);
  await eventually(
    () => {
      const m = JSON.parse(cli(['machine', 'show', 'local', '--json'])) as { status: string; clis: unknown };
      return m.status === 'online' && JSON.stringify(m.clis).includes('"claude"') ? true : undefined;
    },
    'the local machine online with claude',
    60_000,
  );
}

/** `openase agent create stand-in` in `project`, the stand-in following `script` (the `custom` adapter). */
export function standInAgentArgs(project: string, script: object): string[] {
  return [
    ...['agent', 'create', 'stand-in', '--project', project, '--adapter', 'custom'],
    ...['--command', process.execPath, '--arg', STAND_IN, '--env', `STAND_IN_SCRIPT_JSON=${JSON.stringify(script)}`],
  ];
}

export interface ConsoleSession {
  readonly cp: ControlPlane;
  readonly context: BrowserContext;
  /** The signed-in admin's page. */
  readonly page: Page;
  /** The openase CLI as the admin: its output; a non-zero exit fails the test. */
  cli(args: string[], env?: NodeJS.ProcessEnv): string;
  /** A bare git remote with one commit on main, removed after the file. */
  remote(files?: Record<string, string>): TestRemote;
  /** A screenshot into test-artifacts/screenshots/<name>.png. */
  shot(name: string, page?: Page): Promise<Buffer>;
}

export interface ConsoleOptions {
  /** Prefix of the screenshot taken when a test fails. */
  name: string;
  viewport?: { width: number; height: number };
  /** The page's default timeout for actions and waits. */
  actionTimeout?: number;
  /** The server's extra environment, made just before it starts. */
  env?: () => NodeJS.ProcessEnv | Promise<NodeJS.ProcessEnv>;
  /** Runs once the server is up, before the browser starts and signs in. */
  setup?: (session: ConsoleSession) => void | Promise<void>;
  /** Where the first sign-in link lands. */
  landing: Parameters<Page['waitForURL']>[0];
  hookTimeout?: number;
}

/**
 * The browser tests' setup as hooks: the control plane, Chromium, the admin signed in through the
 * first start's link, a screenshot of the page when a test fails, and everything stopped after.
 */
export function useConsole(opts: ConsoleOptions): ConsoleSession {
  let cp: ControlPlane | undefined;
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
  let page: Page | undefined;
  const remotes: TestRemote[] = [];
  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is not running`);
    return value;
  };
  const session: ConsoleSession = {
    get cp() {
      return need(cp, 'the control plane');
    },
    get context() {
      return need(browser, 'the browser').context;
    },
    get page() {
      return need(page, 'the browser');
    },
    cli(args, env = {}) {
      const r = session.cp.cli(args, { env });
      expect(r.code, `openase ${args.join(' ')}: ${r.err}`).toBe(0);
      return r.out;
    },
    remote(files) {
      const remote = createTestRemote(files);
      remotes.push(remote);
      return remote;
    },
    shot(name, p = session.page) {
      return p.screenshot({ path: path.join(screenshotDir, `${name}.png`) });
    },
  };
  beforeAll(async () => {
    fs.mkdirSync(screenshotDir, { recursive: true });
    cp = await startControlPlane(await opts.env?.());
    await opts.setup?.(session);
    browser = await launchBrowser(opts.viewport);
    browser.context.setDefaultTimeout(opts.actionTimeout ?? 20_000);
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await page.goto(cp.signInUrl);
    await page.waitForURL(opts.landing);
  }, opts.hookTimeout ?? 180_000);
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && page)
      await session.shot(`failed-${opts.name}-${ctx.task.name.slice(0, 40).replace(/\W+/g, '-')}`).catch(() => {});
  });
  afterAll(async () => {
    await browser?.close();
    await cp?.stop();
    for (const r of remotes) r.cleanup();
  });
  return session;
}

/**
 * `useConsole` on the seeded demo project (seedDemo) at 1440×900, landing on the projects or a project's page;
 * `setup` runs once the demo is seeded, with what seeding made.
 */
export function useDemoConsole(
  name: string,
  setup?: (session: ConsoleSession, demo: DemoProject) => void | Promise<void>,
): ConsoleSession {
  return useConsole({
    name,
    viewport: { width: 1440, height: 900 },
    actionTimeout: 15_000,
    landing: /\/(projects|p\/)/,
    hookTimeout: 300_000,
    setup: async (session) => {
      const demo = await seedDemo(session.cp);
      await setup?.(session, demo);
    },
  });
}

export interface ClaudeConsole extends ConsoleSession {
  /** The fake model server the Claude agents talk to. */
  readonly models: FakeModelServer;
  /** The pinned Claude Code CLI's path. */
  readonly claude: string;
}

/**
 * `useConsole` with the REAL Claude Code CLI for machine `local` (first on the PATH its daemon inherits) and a fake
 * model server for its agents, closed after the console stops; actions wait 15 s, the setup up to 5 minutes.
 */
export function useClaudeConsole(
  opts: Omit<ConsoleOptions, 'setup'> & { setup?: (session: ClaudeConsole) => void | Promise<void> },
): ClaudeConsole {
  const fake = useFakeModelServer();
  let claude = '';
  const session = useConsole({
    actionTimeout: 15_000,
    hookTimeout: 300_000,
    ...opts,
    env: () => {
      claude = ensureCli('claude');
      process.env.PATH = `${path.dirname(claude)}${path.delimiter}${process.env.PATH}`;
      return opts.env?.() ?? {};
    },
    setup: () => opts.setup?.(withClaude),
  });
  const withClaude: ClaudeConsole = Object.defineProperties(session, {
    models: { get: () => fake.server },
    claude: { get: () => claude },
  }) as ClaudeConsole;
  return withClaude;
}
