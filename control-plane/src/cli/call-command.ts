/**
 * The shape most commands have: one result worked out from the arguments (for client commands: one API call),
 * then `--json` prints the result as it came and anything else says it for a person (`print`).
 */
import { JSON_OPTION, type Command, type CommandIo, type OptionSpec, type ParsedArgs } from './command.js';
import { apiClientFromEnv, type ApiClient } from './client.js';
import { printJson } from './output.js';

export interface ResultCommand<T> extends Omit<Command, 'run' | 'options'> {
  /** Options beyond `--json` (always accepted). */
  options?: Record<string, OptionSpec>;
  result(args: ParsedArgs, io: CommandIo): Promise<T>;
  print(io: CommandIo, result: T, args: ParsedArgs): number | void | Promise<number | void>;
}

export function resultCommand<T>({ result, print, options, ...command }: ResultCommand<T>): Command {
  return {
    ...command,
    options: { ...options, ...JSON_OPTION },
    async run(args, io) {
      const value = await result(args, io);
      if (args.values.json) {
        printJson(io, value);
        return;
      }
      return print(io, value, args);
    },
  };
}

export interface CallCommand<T, C = undefined> extends Omit<ResultCommand<T>, 'result'> {
  /**
   * Reads the arguments that are checked before the API client is resolved (a usage error comes before
   * "not logged in"); `call` gets what it returns.
   */
  check?(args: ParsedArgs, io: CommandIo): C;
  call(api: ApiClient, args: ParsedArgs, io: CommandIo, checked: C): Promise<T>;
}

/** A result command whose result is one call of the API client (OPENASE_URL/OPENASE_TOKEN or the credentials). */
export function callCommand<T, C = undefined>({ check, call, ...command }: CallCommand<T, C>): Command {
  return resultCommand({
    ...command,
    async result(args, io) {
      const checked = check?.(args, io) as C;
      return call(apiClientFromEnv(io.env), args, io, checked);
    },
  });
}

/**
 * Two commands that set one flag of a thing on and off (`enable` / `disable`): the same call and output with
 * the flag `true` for the first, `false` for the second.
 */
export interface OnOffCommands<T> extends Omit<CallCommand<T>, 'name' | 'summary' | 'call' | 'print'> {
  on: { name: string; summary: string };
  off: { name: string; summary: string };
  call(api: ApiClient, args: ParsedArgs, io: CommandIo, on: boolean): Promise<T>;
  print(io: CommandIo, result: T, on: boolean): number | void;
}

export function onOffCommands<T>({ on, off, call, print, ...command }: OnOffCommands<T>): Command[] {
  return [true, false].map((value) => {
    const { name, summary } = value ? on : off;
    return callCommand<T>({
      ...command,
      name,
      summary,
      call: (api, args, io) => call(api, args, io, value),
      print: (io, result) => print(io, result, value),
    });
  });
}
