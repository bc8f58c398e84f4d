/**
 * `openase-agent`: the worker-machine daemon.
 *   join URL TOKEN [--name N] [--labels a,b] [--slots N] [--workdir DIR] [--run]
 *   run            keep this machine connected (reverse WebSocket)
 *   stdio          speak the protocol on stdin/stdout (local and SSH machines)
 *   exec-wrapper   internal: the parent of one run's command
 *   platform …     the agent's `openase`: the person's client CLI, as the run (control-plane/src/cli/agent.ts)
 * Exit codes: 0 ok, 1 failure, 2 bad usage, 78 no sandbox for what runs here (see sandbox/confine.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  commandHelp,
  commandListHelp,
  nearestName,
  parseCommandArgs,
  unknownCommand,
  UsageError,
  type HelpOf,
} from '@openase/shared/cli';
import { agentHome, credentialPath, readCredential, writeCredential } from './config.js';
import { shellQuote } from '@openase/shared/util/shell';
import { Daemon } from './daemon.js';
import { platformMain } from './agent-runs/platform-command.js';
import { execWrapper } from './runs/exec-wrapper.js';
import { chooseConfinement, EXIT_NO_SANDBOX, UNCONFINED_ENV, type Confinement } from './sandbox/confine.js';
import { runReverse } from './transport/reverse.js';
import { runStdio } from './transport/stdio.js';
import { DAEMON_VERSION } from './version.js';

type Spec = HelpOf & { options: NonNullable<HelpOf['options']> };

const HOME_OPT = {
  home: {
    type: 'string' as const,
    value: 'DIR',
    description: 'state folder (default ~/.config/openase-agent, env OPENASE_AGENT_HOME)',
  },
};
const SANDBOX_OPTS = {
  unconfined: {
    type: 'boolean' as const,
    description: `run agents, hooks and commands without a sandbox, able to read what this user can (env ${UNCONFINED_ENV}=1)`,
  },
  hide: {
    type: 'string' as const,
    value: 'DIRS',
    description: 'another folder what runs here must not see (colon-separated; env OPENASE_AGENT_HIDE)',
  },
};
/** A machine's labels and run slots: given at `join`, or to `stdio` by the control plane that starts it. */
const LABELS_OPT = {
  labels: { type: 'string' as const, value: 'a,b', description: 'comma-separated labels' },
};
const SLOTS_OPT = {
  slots: { type: 'string' as const, value: 'N', description: 'how many runs at once (default 1)' },
};
const COMMANDS: Record<string, Spec> = {
  join: {
    args: ['URL', 'TOKEN'],
    usage: '[--name N] [--labels a,b] [--slots N] [--workdir DIR] [--run]',
    summary: 'exchange a join token (oaj_…) for this machine’s credential, stored with mode 0600',
    options: {
      name: { type: 'string', value: 'NAME', description: 'machine name (default: the hostname)' },
      ...LABELS_OPT,
      ...SLOTS_OPT,
      workdir: { type: 'string', value: 'DIR', description: 'where runs work (default: the state folder)' },
      run: { type: 'boolean', description: 'stay connected afterwards (like `openase-agent run`)' },
      ...HOME_OPT,
      ...SANDBOX_OPTS,
    },
  },
  run: {
    args: [],
    usage: '[--home DIR]',
    summary: 'connect to the control plane and take runs (reconnects on its own)',
    options: { ...HOME_OPT, ...SANDBOX_OPTS },
  },
  stdio: {
    args: [],
    usage: '[--home DIR] [--slots N] [--labels a,b]',
    summary:
      'speak the protocol as JSON lines on stdin/stdout (started by the control plane for local and SSH machines)',
    options: {
      ...HOME_OPT,
      ...SANDBOX_OPTS,
      ...SLOTS_OPT,
      ...LABELS_OPT,
    },
  },
  platform: {
    args: ['[COMMAND…]'],
    usage: '(see `openase-agent platform --help`)',
    summary: 'the openase CLI for an agent, as its run (what the workspace’s `openase` wrapper runs)',
    options: {},
  },
  'exec-wrapper': {
    args: ['RUNDIR'],
    summary: 'internal: run one command detached, recording its exit status',
    options: {},
  },
};

const log = (line: string) => process.stderr.write(`[openase-agent] ${line}\n`);

function help(): string {
  return commandListHelp({
    intro: `openase-agent ${DAEMON_VERSION}: runs OpenASE work on this machine.`,
    usage: 'openase-agent <command> [options]',
    sections: [{ title: 'Commands', rows: Object.entries(COMMANDS).map(([n, c]) => [n, c.summary]) }],
    footer: ['Run `openase-agent <command> --help` for its options.'],
  });
}

function slotsOf(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1000)
    throw new UsageError(`--slots must be a whole number from 1 to 1000, got "${value}"`);
  return n;
}
const labelsOf = (v: string | undefined) =>
  v
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];

/**
 * argv after process.execPath that runs this program again: the bundle (or the source entry under a
 * loader); nothing for the single executable (scripts/sea.mjs), which is the program itself.
 */
function selfArgs(): string[] {
  if (isSingleExecutable()) return [];
  return [...process.execArgv, path.resolve(process.argv[1]!)];
}

function isSingleExecutable(): boolean {
  // node:sea exists from Node 20.12; getBuiltinModule (20.16) works in the bundle and under a loader.
  const sea = process.getBuiltinModule?.('node:sea') as { isSea(): boolean } | undefined;
  return sea?.isSea() ?? false;
}

type Flags = Record<string, string | boolean | undefined>;

class NoSandbox extends Error {}

/** The sandbox of what this daemon starts (sandbox/confine.ts), or NoSandbox with the one-line reason. */
function confinementOf(home: string, flags: Flags): Confinement {
  const hide = [flags.hide, process.env.OPENASE_AGENT_HIDE]
    .filter((v): v is string => typeof v === 'string')
    .flatMap((v) => v.split(path.delimiter))
    .filter(Boolean);
  const unconfined = flags.unconfined === true || process.env[UNCONFINED_ENV] === '1';
  const chosen = chooseConfinement({ daemonHome: home, hide, unconfined });
  if ('refused' in chosen) throw new NoSandbox(`this machine runs nothing: ${chosen.refused}`);
  if (chosen.confinement.mode === 'off')
    log('running UNCONFINED (asked for): agents, hooks and commands can read what this user can');
  return chosen.confinement;
}

async function startDaemon(
  home: string,
  slots: number,
  labels: string[],
  flags: Flags,
  workdir?: string,
): Promise<Daemon> {
  if (workdir) fs.mkdirSync(workdir, { recursive: true });
  const confinement = confinementOf(home, flags);
  const daemon = new Daemon({
    home,
    slots,
    labels,
    self: selfArgs(),
    log,
    confinement,
    // --workdir is the root of everything runs work in: command runs' default folder and every
    // ticket workspace (and the repository caches beside them).
    ...(workdir ? { workdir, workspaces: workdir } : {}),
  });
  await daemon.start();
  // A deliberate stop ends the agent runs and reports them before exiting (Daemon.shutdown).
  for (const signal of ['SIGTERM', 'SIGINT'] as const)
    process.once(signal, () => {
      log(`${signal}: stopping the agent runs and reporting them, then exiting`);
      void daemon.shutdown().finally(() => process.exit(0));
    });
  return daemon;
}

async function join(positionals: string[], values: Record<string, string | boolean | undefined>): Promise<number> {
  const [url, token] = positionals;
  if (!url || !token)
    throw new UsageError('give the control plane URL and the join token: openase-agent join URL oaj_…');
  const home = agentHome(values.home as string | undefined);
  const body = {
    name:
      (values.name as string | undefined) ??
      os
        .hostname()
        .split('.')[0]!
        .replace(/[^A-Za-z0-9._-]/g, '-'),
    labels: labelsOf(values.labels as string | undefined),
    slots: slotsOf(values.slots as string | undefined, 1),
    hostname: os.hostname(),
    ...(values.workdir ? { workdir: path.resolve(values.workdir as string) } : {}),
  };
  let res: Response;
  try {
    res = await fetch(`${url.replace(/\/+$/, '')}/agent/join`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  } catch (err) {
    log(`join: cannot reach ${url}: ${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}`);
    return 1;
  }
  const data = (await res.json().catch(() => ({}))) as {
    error?: { message: string };
    credential?: string;
    machineId?: string;
    name?: string;
    labels?: string[];
    slots?: number;
  };
  if (!res.ok || !data.credential) {
    log(`join refused: ${data.error?.message ?? `HTTP ${res.status}`}`);
    return 1;
  }
  const file = writeCredential(home, {
    url,
    credential: data.credential,
    machineId: data.machineId!,
    name: data.name!,
    labels: data.labels ?? [],
    slots: data.slots ?? body.slots,
    ...(body.workdir ? { workdir: body.workdir } : {}),
  });
  process.stdout.write(
    `joined as machine ${data.name} (${data.slots} slot(s)); credential written to ${file} (mode 0600)\n`,
  );
  if (values.run) return run(home, values);
  // The same folder again: a daemon started without it would look for the credential in the default one.
  const homeFlag = home === agentHome(undefined, {}) ? '' : ` --home ${shellQuote(home)}`;
  process.stdout.write(`start the daemon with: openase-agent run${homeFlag}\n`);
  return 0;
}

async function run(home: string, flags: Flags): Promise<number> {
  const cred = readCredential(home);
  if (!cred) {
    log(`no credential in ${credentialPath(home)}; join first: openase-agent join URL oaj_…`);
    return 1;
  }
  const daemon = await startDaemon(home, cred.slots, cred.labels, flags, cred.workdir);
  log(`machine ${cred.name}: connecting to ${cred.url} (${cred.slots} slot(s))`);
  const reason = await runReverse(daemon, { url: cred.url, credential: cred.credential, log });
  daemon.stop();
  log(`stopped: ${reason}`);
  return 1;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${help()}\n`);
    return command ? 0 : 2;
  }
  if (command === '--version') {
    process.stdout.write(`${DAEMON_VERSION}\n`);
    return 0;
  }
  if (command === 'platform') {
    return platformMain(rest, {
      env: process.env,
      out: (text) => process.stdout.write(`${text}\n`),
      err: (text) => process.stderr.write(`${text}\n`),
    });
  }
  const spec = COMMANDS[command];
  if (!spec) {
    const near = nearestName(command, Object.keys(COMMANDS));
    log(unknownCommand(command, near && `openase-agent ${near}`, 'openase-agent --help'));
    return 2;
  }
  try {
    const { values, positionals } = parseCommandArgs(spec, rest);
    if (values.help) {
      process.stdout.write(`${commandHelp(spec, `openase-agent ${command}`)}\n`);
      return 0;
    }
    const v = values as Record<string, string | boolean | undefined>;
    switch (command) {
      case 'join':
        return await join(positionals, v);
      case 'run':
        return await run(agentHome(v.home as string | undefined), v);
      case 'stdio': {
        const daemon = await startDaemon(
          agentHome(v.home as string | undefined),
          slotsOf(v.slots as string | undefined, 1),
          labelsOf(v.labels as string | undefined),
          v,
        );
        await runStdio(daemon);
        daemon.stop();
        return 0;
      }
      case 'exec-wrapper':
        if (!positionals[0]) throw new UsageError('give the run folder');
        execWrapper(positionals[0]);
        return -1; // keeps running until the command exits
    }
    return 2;
  } catch (err) {
    if (err instanceof NoSandbox) {
      log(err.message);
      return EXIT_NO_SANDBOX;
    }
    if (err instanceof UsageError) {
      log(`${command}: ${(err as Error).message} (see \`openase-agent ${command} --help\`)`);
      return 2;
    }
    log(`${command}: ${(err as Error).message}`);
    return 1;
  }
}

void main(process.argv.slice(2)).then((code) => {
  if (code >= 0) process.exit(code);
});
