/**
 * The shape most client commands have: one API call made from the arguments, then `--json` prints the
 * answer as it came and anything else says it for a person (`print`).
 */
import { JSON_OPTION, type Command, type CommandIo, type OptionSpec, type ParsedArgs } from './command.js';
import { apiClientFromEnv, type ApiClient } from './client.js';
import { printJson } from './output.js';

export interface CallCommand<T, C = undefined> extends Omit<Command, 'run' | 'options'> {
  /** Options beyond `--json` (always accepted). */
  options?: Record<string, OptionSpec>;
  /**
   * Reads the arguments that are checked before the API client is resolved (a usage error comes before
   * "not logged in"); `call` gets what it returns.
   */
  check?(args: ParsedArgs, io: CommandIo): C;
  call(api: ApiClient, args: ParsedArgs, io: CommandIo, checked: C): Promise<T>;
  print(io: CommandIo, result: T, args: ParsedArgs): number | void | Promise<number | void>;
}

export function callCommand<T, C = undefined>({ check, call, print, options, ...command }: CallCommand<T, C>): Command {
  return {
    ...command,
    options: { ...options, ...JSON_OPTION },
    async run(args, io) {
      const checked = check?.(args, io) as C;
      const result = await call(apiClientFromEnv(io.env), args, io, checked);
      if (args.values.json) {
        printJson(io, result);
        return;
      }
      return print(io, result, args);
    },
  };
}

/**
 * Two commands that set one flag of a thing on and off (`enable` / `disable`): the same call and output with
 * the flag `true` for the first, `false` for the second.
 */
export interface OnOffCommands<T> extends Omit<CallCommand<T>, 'name' | 'summary' | 'usage' | 'call' | 'print'> {
  on: { name: string; summary: string };
  off: { name: string; summary: string };
  usage(name: string): string;
  call(api: ApiClient, args: ParsedArgs, io: CommandIo, on: boolean): Promise<T>;
  print(io: CommandIo, result: T, on: boolean): number | void;
}

export function onOffCommands<T>({ on, off, usage, call, print, ...command }: OnOffCommands<T>): Command[] {
  return [true, false].map((value) => {
    const { name, summary } = value ? on : off;
    return callCommand<T>({
      ...command,
      name,
      summary,
      usage: usage(name),
      call: (api, args, io) => call(api, args, io, value),
      print: (io, result) => print(io, result, value),
    });
  });
}
