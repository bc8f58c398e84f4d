/**
 * zod's own messages in words a person reads ("Too big: expected string to have <=200 characters" →
 * "at most 200 characters"). Only an issue that kept zod's default message is reworded: a contract's own
 * message (`.max(200, 'a title …')`) is already words.
 */
import type { core } from 'zod';

type Issue = core.$ZodIssue;

const DEFAULT_MESSAGE =
  /^(Too big|Too small|Invalid input|Invalid option|Unrecognized key|Invalid (UUID|email|URL|string))/;
const TYPE_WORDS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
  date: 'a date',
};

function size(origin: string, n: number | bigint): string {
  if (origin === 'string') return `${n} character${n === 1 ? '' : 's'}`;
  if (origin === 'array' || origin === 'set') return `${n} item${n === 1 ? '' : 's'}`;
  if (origin === 'file') return `${n} bytes`;
  return String(n);
}

/** The issue's message, in words when it is zod's own. */
export function issueInWords(issue: Issue): string {
  if (!DEFAULT_MESSAGE.test(issue.message)) return issue.message;
  switch (issue.code) {
    case 'too_big':
      return issue.inclusive === false
        ? `must be less than ${size(issue.origin, issue.maximum as number)}`
        : `at most ${size(issue.origin, issue.maximum as number)}`;
    case 'too_small':
      if (issue.origin === 'string' && Number(issue.minimum) === 1) return 'must not be empty';
      return issue.inclusive === false
        ? `must be more than ${size(issue.origin, issue.minimum as number)}`
        : `at least ${size(issue.origin, issue.minimum as number)}`;
    case 'invalid_type':
      return /received undefined$/.test(issue.message)
        ? 'is required'
        : `must be ${TYPE_WORDS[issue.expected] ?? issue.expected}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => String(v)).join(', ')}`;
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length === 1 ? '' : 's'} ${issue.keys.join(', ')}`;
    case 'invalid_format':
      return issue.format === 'uuid' ? 'must be an id (a UUID)' : `must be a valid ${issue.format}`;
    default:
      return issue.message;
  }
}
