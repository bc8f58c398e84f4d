/**
 * The positional arguments a command declares (`Command.args`, shared/src/cli/command.ts) and the nearest known
 * name to one mistyped (`did you mean …?`). The declaration is the one place a command's arguments are written: the
 * usage line of its --help is made from it, and what is given beyond it is refused before the command runs.
 */

/** Thrown for bad usage: printed as one line with a hint to --help, exit code 2. */
export class UsageError extends Error {}

/**
 * One argument as help shows it: `TICKET` (required), `[TICKET]` (may be left out), `TICKET…` (one or more, last),
 * `[ID…]` (any number, last); `-- COMMAND…` is given after `--` and shown after the options.
 */
export interface ArgSpec {
  /** As the usage line shows it, brackets and ellipsis included (without the `-- `). */
  shown: string;
  optional: boolean;
  variadic: boolean;
  afterDashes: boolean;
}

const ARG = /^(-- )?(\[)?([^\s[\]…]+)(…)?(\])?$/;

/** An argument as a command declares it; a malformed one is the command's mistake, not the user's. */
export function parseArgSpec(text: string): ArgSpec {
  const m = ARG.exec(text);
  if (!m || Boolean(m[2]) !== Boolean(m[5]))
    throw new Error(`"${text}" is not an argument as help shows one: NAME, [NAME], NAME…, [NAME…] or -- NAME…`);
  return {
    shown: text.replace(/^-- /, ''),
    optional: Boolean(m[2]),
    variadic: Boolean(m[4]),
    afterDashes: Boolean(m[1]),
  };
}

/** What a command declares of its arguments (`Command.args`, `Command.usage`). */
export interface TakesArgs {
  args: readonly string[];
  usage?: string;
}

/** `openase ticket move TICKET STATUS [--json]`: the command as `prefix` names it, its arguments, then `usage`. */
export function usageLine(prefix: string, command: TakesArgs): string {
  const specs = command.args.map(parseArgSpec);
  const before = specs.filter((s) => !s.afterDashes).map((s) => s.shown);
  const after = specs.filter((s) => s.afterDashes).map((s) => `-- ${s.shown}`);
  return [prefix, ...before, command.usage, ...after].filter(Boolean).join(' ');
}

/** A word of prose: letters and the punctuation of a sentence. */
const WORD = /^[\p{L}\p{M}'’,.:;!?() -]+$/u;

/** Refuses positionals beyond what the command declares, saying what it takes and what was one too many. */
export function checkArgCount(command: TakesArgs, positionals: readonly string[]): void {
  if (!Array.isArray(command.args)) throw new Error('the command declares no `args` (`[]` when it takes none)');
  const specs = command.args.map(parseArgSpec);
  if (specs.some((s) => s.variadic) || positionals.length <= specs.length) return;
  const extra = positionals.slice(specs.length);
  const takes = specs.length ? `takes ${specs.map((s) => s.shown).join(' ')}` : 'takes no arguments';
  const quoted = extra.map((e) => `"${e}"`);
  const what = quoted.length === 1 ? `${quoted[0]} is extra` : `${quoted.join(', ')} are extra`;
  // Words of a text given without quotes (`ticket move DEMO-1 In Review`): say how to give them as one. Not for
  // what looks like identifiers, ids or URLs (digits, `_`, `/`).
  const words = [positionals[specs.length - 1], ...extra];
  const hint = words.every((w) => w !== undefined && WORD.test(w))
    ? ` (if "${words.join(' ')}" is one text, put it in quotes)`
    : '';
  throw new UsageError(`${takes}; ${what}${hint}`);
}

/**
 * Edit distance with adjacent transpositions (optimal string alignment): how many letters to add, drop, change or
 * swap to turn `a` into `b`.
 */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  return d[a.length]![b.length]!;
}

/** The known name nearest to a mistyped one, when near enough to be what was meant (a third of it, at least 1). */
export function nearestName(typed: string, known: readonly string[]): string | undefined {
  const word = typed.toLowerCase();
  const limit = Math.max(1, Math.floor(word.length / 3));
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(word, name.toLowerCase());
    if (distance <= limit && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/**
 * `unknown command "ticket shw"; did you mean \`openase ticket show\`? (…)`: what both programs say of a command they
 * do not have, with the nearest known one when there is one, and where the list is.
 */
export function unknownCommand(typed: string, suggestion: string | undefined, listing: string): string {
  const what = `unknown command "${typed}"`;
  return suggestion
    ? `${what}; did you mean \`${suggestion}\`? (\`${listing}\` lists the commands)`
    : `${what}; run \`${listing}\` for the list`;
}
