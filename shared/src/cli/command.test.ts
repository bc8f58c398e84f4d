import { describe, expect, it } from 'vitest';
import { parseCommandArgs, UsageError } from './command.js';

const command = {
  options: {
    position: { type: 'string' as const, description: '' },
    json: { type: 'boolean' as const, description: '' },
  },
};
const problem = (argv: string[]) => {
  try {
    parseCommandArgs(command, argv);
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
});
