/**
 * Every command of both `openase` programs (the person's, cli/main.ts, and the agent's, cli/agent.ts) declares its
 * positional arguments, the framework refuses more than those before the command runs (exit 2, naming the command,
 * what it takes and what was extra), and a mistyped command or group is answered with the nearest known name.
 */
import { describe, expect, it } from 'vitest';
import { parseArgSpec, parseCommandArgs, UsageError, type Command } from './command.js';
import { agentProgram } from './agent.js';
import { personProgram } from './main.js';
import { runProgram, type Program } from './program.js';

/** Each command of a program with how it is run: `['ticket', 'move']`, `['serve']`. */
async function commandsOf(program: Program): Promise<Array<{ path: string[]; command: Command }>> {
  const out = program.topLevel.map((command) => ({ path: [command.name], command }));
  for (const group of program.groups) {
    const { commands } = 'load' in group ? await group.load() : group;
    out.push(...commands.map((command) => ({ path: [group.name, command.name], command })));
  }
  return out;
}

/** Runs argv through the program with no credentials: what it printed to stderr, and the exit code. */
async function run(program: Program, argv: string[]): Promise<{ code: number; err: string; out: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runProgram(program, argv, { out: (l) => out.push(l), err: (l) => err.push(l), env: {} }, 'test');
  return { code, err: err.join('\n'), out: out.join('\n') };
}

describe.each([
  ['openase', personProgram],
  ["the agent's openase", agentProgram],
])('%s', (_name, program) => {
  it('declares the arguments of every command, as help shows them, a variadic one last', async () => {
    const commands = await commandsOf(program);
    expect(commands.length).toBeGreaterThan(40);
    for (const { path, command } of commands) {
      const label = path.join(' ');
      expect(Array.isArray(command.args), `${label}: declare its positional arguments as args ([] for none)`).toBe(
        true,
      );
      const specs = command.args.map(parseArgSpec);
      expect(
        specs.slice(0, -1).some((s) => s.variadic),
        `${label}: only the last argument may be NAME…`,
      ).toBe(false);
      // The framework writes `openase <group> <command> ARGS` before what `usage` says.
      expect(command.usage ?? '', `${label}: usage is what follows the arguments`).not.toMatch(/^openase\b/);
    }
  });

  it('refuses one argument more than each command declares, before the command runs', async () => {
    for (const { path, command } of await commandsOf(program)) {
      const specs = command.args.map(parseArgSpec);
      if (specs.some((s) => s.variadic)) continue;
      const argv = [...specs.map((_, i) => `A${i}`), 'A99'];
      expect(() => parseCommandArgs(command, argv), path.join(' ')).toThrow(UsageError);
      expect(() => parseCommandArgs(command, argv.slice(0, -1)), path.join(' ')).not.toThrow();
    }
  });

  it('says which command, what it takes and what was extra, with exit code 2', async () => {
    const moved = await run(program, ['ticket', 'move', 'DEMO-1', 'In Review', 'junk']);
    expect(moved).toMatchObject({ code: 2, out: '' });
    expect(moved.err).toBe(
      'openase ticket move: takes TICKET STATUS; "junk" is extra (if "In Review junk" is one text, put it in quotes) ' +
        '(see `openase ticket move --help`)',
    );
    const shown = await run(program, ['ticket', 'show', 'DEMO-1', 'DEMO-2']);
    expect([shown.code, shown.err]).toEqual([
      2,
      'openase ticket show: takes TICKET; "DEMO-2" is extra (see `openase ticket show --help`)',
    ]);
    expect((await run(program, ['inbox', 'subscriptions', 'x'])).err).toMatch(/: takes no arguments; "x" is extra/);
  });

  it('makes the usage line of --help from the declaration', async () => {
    expect((await run(program, ['ticket', 'move', '--help'])).out).toContain(
      'Usage: openase ticket move TICKET STATUS [--json]',
    );
    expect((await run(program, ['inbox', 'read', '--help'])).out).toContain(
      'Usage: openase inbox read [ID…] [--all] [--json]',
    );
  });

  it('reads `help GROUP [COMMAND]` and `GROUP help [COMMAND]` as --help of what they name', async () => {
    const groupHelp = (await run(program, ['ticket', '--help'])).out;
    expect(groupHelp).toContain('Usage: openase ticket <command> [options]');
    for (const argv of [
      ['help', 'ticket'],
      ['ticket', 'help'],
    ])
      expect(await run(program, argv), argv.join(' ')).toEqual({ code: 0, err: '', out: groupHelp });
    const moveHelp = (await run(program, ['ticket', 'move', '--help'])).out;
    for (const argv of [
      ['help', 'ticket', 'move'],
      ['ticket', 'help', 'move'],
    ])
      expect(await run(program, argv), argv.join(' ')).toEqual({ code: 0, err: '', out: moveHelp });
    expect((await run(program, ['help', 'tiket'])).err).toMatch(/did you mean `openase ticket`\?/);
  });

  it('suggests the nearest command or group to a mistyped one', async () => {
    const group = await run(program, ['tiket', 'list']);
    expect([group.code, group.err]).toEqual([
      2,
      'openase: unknown command "tiket"; did you mean `openase ticket list`? (`openase --help` lists the commands)',
    ]);
    expect((await run(program, ['tiket', 'shw', 'DEMO-1'])).err).toMatch(/did you mean `openase ticket show`\?/);
    const command = await run(program, ['ticket', 'shw', 'DEMO-1']);
    expect([command.code, command.err]).toEqual([
      2,
      'openase: unknown command "ticket shw"; did you mean `openase ticket show`? (`openase ticket --help` lists the commands)',
    ]);
    // A command of one group, typed without the group.
    expect((await run(program, ['review', 'DEMO-1', '--approve'])).err).toMatch(
      /did you mean `openase ticket review`\?/,
    );
    expect((await run(program, ['nonsense'])).err).toBe(
      'openase: unknown command "nonsense"; run `openase --help` for the list',
    );
    expect((await run(program, ['ticket', 'list', '--projet', 'x'])).err).toMatch(
      /^openase ticket list: there is no option --projet; did you mean --project\?/,
    );
  });
});
