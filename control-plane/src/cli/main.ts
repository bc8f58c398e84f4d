/**
 * `openase`: one binary for the server (`serve`) and every client command. The agent in a
 * workspace runs the same client commands (cli/agent.ts); both go through cli/program.ts.
 * Exit codes: 0 success, 1 the operation failed, 2 bad usage.
 */
import type { CommandIo } from './command.js';
import { CLIENT_GROUPS } from './groups.js';
import { runProgram, type Program } from './program.js';
import { authCommands, loginCommand, tokenCommands } from './commands/access.js';
import { serveCommand } from './commands/serve.js';
import { backupCommand, dbCommands } from './commands/db.js';
import { doctorCommand } from './commands/doctor.js';
import { auditCommands, memberCommands } from './commands/people.js';
import { VERSION } from '../version.js';

export const personProgram: Program = {
  intro: `openase ${VERSION}: turn tickets into working code.`,
  topLevel: [serveCommand, loginCommand, backupCommand, doctorCommand],
  groups: [...CLIENT_GROUPS, memberCommands, tokenCommands, authCommands, auditCommands, dbCommands],
  footer: [
    'Every command takes --help; listing and show commands take --json.',
    'The CLI uses OPENASE_URL/OPENASE_TOKEN, or the credentials file in OPENASE_HOME (default ~/.openase).',
  ],
};

export function runCli(argv: string[], io: CommandIo): Promise<number> {
  return runProgram(personProgram, argv, io, VERSION);
}
