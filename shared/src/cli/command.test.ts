import { describe, expect, it } from 'vitest';
import { commandHelp, parseCommandArgs, UsageError, type Command } from './command.js';
import { editDistance, nearestName } from './args.js';

const command = {
  args: ['TICKET', 'STATUS'],
  options: {
    position: { type: 'string' as const, description: '' },
    json: { type: 'boolean' as const, description: '' },
  },
};
const problem = (argv: string[], of: Pick<Command, 'args' | 'options'> = command) => {
  try {
    parseCommandArgs(of, argv);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('parsed');
};

describe('parseCommandArgs', () => {
  it("says what is wrong with an option in the CLI's words, not node:util's", () => {
    expect(problem(['--position', '-1'])).toBe(
      '--position needs a value; a value that starts with a dash is written --position=-…',
    );
    expect(problem(['--position'])).toBe('--position needs a value');
    expect(problem(['--json=yes'])).toBe('--json takes no value');
    expect(problem(['--colour'])).toBe('there is no option --colour');
    expect(parseCommandArgs(command, ['--position=-1']).values.position).toBe('-1');
  });

  it('suggests the nearest option to an unknown one', () => {
    expect(problem(['--postion', '3'])).toBe('there is no option --postion; did you mean --position?');
    expect(problem(['--jsno'])).toBe('there is no option --jsno; did you mean --json?');
    expect(problem(['--hlep'])).toBe('there is no option --hlep; did you mean --help?');
  });

  it('refuses arguments beyond the declared ones, saying what the command takes and what was extra', () => {
    expect(parseCommandArgs(command, ['DEMO-1', 'Todo']).positionals).toEqual(['DEMO-1', 'Todo']);
    expect(parseCommandArgs(command, ['DEMO-1']).positionals).toEqual(['DEMO-1']);
    expect(problem(['DEMO-1', 'Todo', 'DEMO-2'])).toBe('takes TICKET STATUS; "DEMO-2" is extra');
    expect(problem(['DEMO-1', 'In', 'Review', '--json'])).toBe(
      'takes TICKET STATUS; "Review" is extra (if "In Review" is one text, put it in quotes)',
    );
    expect(problem(['a', 'b', 'c', 'd2'])).toBe('takes TICKET STATUS; "c", "d2" are extra');
    expect(problem(['x'], { args: [] })).toBe('takes no arguments; "x" is extra');
    // --help is answered whatever else is given.
    expect(parseCommandArgs(command, ['a', 'b', 'c', '--help']).values.help).toBe(true);
  });

  it('takes any number of a variadic argument, and none of what follows `--` as options', () => {
    expect(parseCommandArgs({ args: ['TICKET…'] }, ['A-1', 'A-2', 'A-3']).positionals).toHaveLength(3);
    expect(parseCommandArgs({ args: ['-- COMMAND…'] }, ['--', 'sh', '-c', 'echo']).positionals).toEqual([
      'sh',
      '-c',
      'echo',
    ]);
  });

  it('refuses a command that declares no args, and a malformed declaration', () => {
    expect(() => parseCommandArgs({} as Pick<Command, 'args'>, [])).toThrow(/declares no `args`/);
    expect(() => parseCommandArgs({ args: ['[TICKET'] }, [])).toThrow(/not an argument as help shows one/);
  });
});

describe('commandHelp', () => {
  it('makes the usage line from the declared arguments', () => {
    const help = (args: string[], usage?: string) =>
      commandHelp({ summary: 's', args, ...(usage ? { usage } : {}) }, 'openase run start').split('\n')[2];
    expect(help(['TICKET', '[ID…]'], '[--json]')).toBe('Usage: openase run start TICKET [ID…] [--json]');
    expect(help([])).toBe('Usage: openase run start');
    expect(help(['-- COMMAND…'], '--machine M')).toBe('Usage: openase run start --machine M -- COMMAND…');
  });
});

describe('nearestName', () => {
  it('finds a name one or two letters away, and nothing for a word unlike any', () => {
    expect(editDistance('tiket', 'ticket')).toBe(1);
    expect(editDistance('shwo', 'show')).toBe(1);
    expect(nearestName('tiket', ['project', 'ticket', 'run'])).toBe('ticket');
    expect(nearestName('shw', ['list', 'show', 'move'])).toBe('show');
    expect(nearestName('Lsit', ['list', 'show'])).toBe('list');
    expect(nearestName('nonsense', ['ticket', 'project'])).toBeUndefined();
    expect(nearestName('xy', ['run'])).toBeUndefined();
  });
});
