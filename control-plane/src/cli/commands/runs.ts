import fs from 'node:fs';
import {
  describeRunEvent,
  TERMINAL_RUN_STATES,
  hostKeyView,
  type RunState,
  type SequencedRunEvent,
} from '@openase/shared';
import {
  JSON_OPTION,
  UsageError,
  requireOption,
  requirePositional,
  stringOption,
  type CommandGroup,
  type GroupBody,
  type CommandIo,
} from '../command.js';
import { apiClientFromEnv } from '../client.js';
import { printFields, printJson, printJsonLine } from '../output.js';
import { parseDuration } from './definitions-common.js';
import { describeHostKey } from './machines.js';
import { callCommand } from '../call-command.js';
import { runListCommand, runStateText, specFields, transitionLine } from './run-list.js';

/** One line per event: output as printed, everything else as the console's transcript says it. */
export function describeEvent(e: SequencedRunEvent): string {
  return e.event.type === 'output' ? e.event.text : `[${e.event.type}] ${describeRunEvent(e.event).text}`;
}

/**
 * The exit code of `run start --follow` and `run events --follow`: the run's outcome, so a script
 * can tell them apart (docs/machines.md, "Running a command by hand"):
 *   0 succeeded · N the command's own exit code N · 1 failed without one (a signal,
 *   an agent run) · 124 timed_out or stalled (a time limit, as timeout(1)) · 130 canceled · 69 lost
 *   (its machine went away).
 */
export function followExitCode(run: { state: string; exitCode: number | null }): number {
  switch (run.state) {
    case 'succeeded':
      return 0;
    case 'failed':
      return run.exitCode !== null && run.exitCode > 0 && run.exitCode < 256 ? run.exitCode : 1;
    case 'timed_out':
    case 'stalled':
      return 124;
    case 'canceled':
      return 130;
    case 'lost':
      return 69;
    default:
      return 1;
  }
}

/** Prints the run's events; following, waits for its end and returns its exit code (`followExitCode`). */
async function printEvents(io: CommandIo, runId: string, json: boolean, follow: boolean): Promise<number | void> {
  const api = apiClientFromEnv(io.env);
  let after = 0;
  for (;;) {
    const page = await api.runs.events.query({ run: runId, afterSeq: after, limit: 1000 });
    for (const e of page) {
      if (json) printJsonLine(io, e);
      else io.out(describeEvent(e as SequencedRunEvent));
      after = e.seq;
    }
    if (page.length === 1000) continue;
    if (!follow) return;
    const run = await api.runs.show.query({ run: runId });
    if (TERMINAL_RUN_STATES.has(run.state as RunState) && after >= run.ackedSeq) {
      if (!json) io.err(`run ${runStateText(run.state)}: ${run.stateReason ?? ''}`);
      return followExitCode(run);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** `run approve` / `run decline`: a person's decision on an agent's tool call waiting for approval (tools.ask). */
function decideCommand(approve: boolean): CommandGroup['commands'][number] {
  const verb = approve ? 'approve' : 'decline';
  return {
    name: verb,
    summary: approve
      ? "let an agent's tool call that waits for approval go ahead"
      : "refuse an agent's tool call that waits for approval (the agent is told the reason)",
    args: ['RUN'],
    usage: `[--approval ID] [--reason TEXT] [--json]`,
    options: {
      approval: {
        type: 'string',
        value: 'ID',
        description: 'which waiting call (needed only when the run has more than one)',
      },
      reason: { type: 'string', value: 'TEXT', description: 'why (a decline tells the agent this)' },
      ...JSON_OPTION,
    },
    async run(args, io) {
      const approval = stringOption(args.values.approval);
      const reason = stringOption(args.values.reason);
      const input = {
        run: requirePositional(args, 0, 'RUN id'),
        ...(approval ? { approval } : {}),
        ...(reason ? { reason } : {}),
      };
      const api = apiClientFromEnv(io.env);
      const decided = await (approve ? api.runs.approve.mutate(input) : api.runs.decline.mutate(input));
      if (args.values.json) return printJson(io, decided);
      io.out(`${approve ? 'approved' : 'declined'}: ${decided.tool} ${decided.detail}${reason ? ` (${reason})` : ''}`);
    },
  };
}

export const runCommands: GroupBody = {
  commands: [
    {
      name: 'start',
      summary: 'run a plain command on a machine',
      args: ['-- COMMAND…'],
      usage: '--machine M [--cwd DIR] [--timeout 10m] [--follow] [--json]',
      options: {
        machine: { type: 'string', value: 'NAME', description: 'machine to run on (`openase machine list`)' },
        cwd: {
          type: 'string',
          value: 'DIR',
          description: "working directory on the machine (default: the daemon's workdir, else the run folder)",
        },
        timeout: {
          type: 'string',
          value: 'DURATION',
          description: 'stop it (SIGTERM, then SIGKILL) after this long, e.g. 90s, 10m; it ends timed_out',
        },
        follow: {
          type: 'boolean',
          description:
            "print its events until it ends, then exit with its outcome: 0 succeeded, the command's exit code, 124 timed out, 130 canceled",
        },
        json: {
          type: 'boolean',
          description: 'print the run as JSON; with --follow, its events as `run events --json` does (NDJSON)',
        },
      },
      examples: ['openase run start --machine local -- sh -c "echo hello"'],
      async run(args, io) {
        const machine = requireOption(args, 'machine');
        if (args.positionals.length === 0)
          throw new UsageError('give the command after `--`, e.g. `openase run start --machine M -- echo hi`');
        const cwd = stringOption(args.values.cwd);
        const timeout = stringOption(args.values.timeout);
        const timeoutMs = timeout ? parseDuration(timeout) * 1000 : undefined;
        const run = await apiClientFromEnv(io.env).runs.start.mutate({
          machine,
          command: args.positionals,
          ...(cwd ? { cwd } : {}),
          ...(timeoutMs ? { timeoutMs } : {}),
        });
        if (args.values.json && !args.values.follow) return printJson(io, run);
        if (!args.values.json) io.err(`run ${run.id} queued on ${machine}`);
        if (!args.values.follow) return;
        // Following a run that cannot start yet: say why it waits (machine offline, SSH host key).
        const m = await apiClientFromEnv(io.env).machines.show.query({ name: machine });
        if (m.status !== 'online')
          io.err(
            `waiting: ${machine} is ${m.status}; the run starts when it connects` +
              (m.ssh && hostKeyView(m.ssh).state !== 'trusted' ? `\n  ${describeHostKey(machine, m.ssh)}` : ''),
          );
        return printEvents(io, run.id, args.values.json === true, true);
      },
    },
    callCommand({
      name: 'show',
      summary: 'a run: state, exit, transitions',
      args: ['RUN'],
      usage: '[--json]',
      call: (api, args) => api.runs.show.query({ run: requirePositional(args, 0, 'RUN id') }),
      print(io, run) {
        printFields(io, [
          ['run', run.id],
          ['machine', run.machineName],
          ['state', `${runStateText(run.state)}${run.stateReason ? ` (${run.stateReason})` : ''}`],
          ['exit', run.signal ? `signal ${run.signal}` : run.exitCode],
          ['events', run.ackedSeq],
          ...specFields(run.spec, run),
        ]);
        for (const t of run.transitions) io.out(transitionLine(t));
      },
    }),
    {
      name: 'events',
      summary: "print a run's events (--follow: until it ends)",
      args: ['RUN'],
      usage: '[--follow] [--json]',
      details:
        'With --json: one JSON object per line (NDJSON), each event as stored, e.g.\n' +
        '  {"seq":1,"ts":1767225600000,"event":{"type":"output","stream":"stdout","text":"hello"}}\n' +
        'oldest first, with --follow as they come; nothing else is written to standard output.\n' +
        "Following exits with the run's outcome: 0 succeeded, the command's exit code, 124 timed out, 130 canceled.",
      options: {
        follow: { type: 'boolean', description: 'keep printing new events until the run ends' },
        json: { type: 'boolean', description: 'one JSON object per line (NDJSON): each event as stored' },
      },
      async run(args, io) {
        return printEvents(
          io,
          requirePositional(args, 0, 'RUN id'),
          args.values.json === true,
          args.values.follow === true,
        );
      },
    },
    callCommand({
      name: 'cancel',
      summary: 'stop a run (SIGTERM to its process group, SIGKILL after 10 s)',
      args: ['RUN'],
      usage: '[--json]',
      call: (api, args) => api.runs.cancel.mutate({ run: requirePositional(args, 0, 'RUN id') }),
      print(io, run) {
        io.out(run.state === 'canceled' ? `run ${run.id} canceled` : `asked run ${run.id} to stop`);
      },
    }),
    decideCommand(true),
    decideCommand(false),
    callCommand({
      name: 'steer',
      summary: "send a message to an agent's run: after its current turn, or now with --interrupt",
      args: ['RUN', 'TEXT'],
      usage: '[--interrupt] [--json]   (TEXT "-" reads standard input)',
      options: { interrupt: { type: 'boolean', description: 'stop the current turn now and send the message' } },
      examples: ['openase run steer RUN "Use the existing login form; do not add a page"'],
      check(args) {
        const text = requirePositional(args, 1, 'message TEXT');
        return text === '-' ? fs.readFileSync(0, 'utf8') : text;
      },
      call: (api, args, _io, text) =>
        api.runs.steer.mutate({
          run: requirePositional(args, 0, 'RUN id'),
          text,
          interrupt: args.values.interrupt === true,
        }),
      print(io, steered) {
        io.out(
          steered.interrupted
            ? 'interrupted the turn; the agent gets the message now'
            : 'queued: the agent gets the message after its current turn',
        );
      },
    }),
    runListCommand,
  ],
};
