/**
 * The agent's `openase` (`$OPENASE_WORKSPACE/.openase/bin/openase`): the person's client commands,
 * bundled into the daemon (agent-daemon/build.mjs) and run as `openase-agent platform …`. It
 * authenticates with the run token (OPENASE_URL/OPENASE_TOKEN); OPENASE_PROJECT and OPENASE_TICKET
 * are the defaults of --project and of a command's TICKET, so `openase ticket move "In Review"`
 * moves the run's own ticket. The control plane decides what the token may do
 * (api/agent-access.ts) and a refusal names the scope the run lacks. The short forms the wrapper
 * used to have (`openase move S`, `openase comment TEXT`, …) stay as aliases of the same commands.
 */
import type { AgentCliMain } from '@openase/shared';
import { CLIENT_GROUPS } from './groups.js';
import { AGENT_CLI_ENV } from './client.js';
import { runProgram, type Alias, type Program } from './program.js';
import { auditCommands, memberCommands } from './commands/people.js';
import { VERSION } from '../version.js';

/** Words that are options (with the values they take) stay options; the rest are joined into one text. */
function splitText(argv: string[], valued: string[]): { text: string[]; options: string[] } {
  const text: string[] = [];
  const options: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (!word.startsWith('-') || word === '-') text.push(word);
    else if (valued.includes(word) && !word.includes('=') && i + 1 < argv.length) options.push(word, argv[++i]!);
    else options.push(word);
  }
  return { text: text.length ? [text.join(' ')] : [], options };
}

const ownTicket = (env: NodeJS.ProcessEnv): string[] => (env.OPENASE_TICKET ? [env.OPENASE_TICKET] : []);

/** `openase NAME TEXT…` → `openase ticket COMMAND $OPENASE_TICKET "TEXT…"`. */
const textAlias = (name: string, command: string, summary: string, valued: string[] = []): Alias => ({
  name,
  summary,
  expand(argv, env) {
    const { text, options } = splitText(argv, valued);
    return ['ticket', command, ...ownTicket(env), ...text, ...options];
  },
});

export const AGENT_ALIASES: Alias[] = [
  textAlias('move', 'move', 'openase ticket move "$OPENASE_TICKET" STATUS'),
  textAlias('comment', 'comment', 'openase ticket comment "$OPENASE_TICKET" TEXT', ['--edit']),
  textAlias('progress', 'progress', 'openase ticket progress "$OPENASE_TICKET" TEXT [--percent N]', ['--percent']),
  {
    name: 'show',
    summary: 'openase ticket show "$OPENASE_TICKET"',
    expand: (argv, env) => ['ticket', 'show', ...ownTicket(env), ...argv],
  },
  {
    name: 'create-child',
    summary: 'openase ticket create --parent "$OPENASE_TICKET" --title T',
    expand: (argv, env) => [
      'ticket',
      'create',
      ...(env.OPENASE_TICKET ? ['--parent', env.OPENASE_TICKET] : []),
      ...argv,
    ],
  },
];

export const agentProgram: Program = {
  intro: `openase ${VERSION}: the platform commands of this agent run (the same CLI a person uses).`,
  topLevel: [],
  groups: [...CLIENT_GROUPS, memberCommands, auditCommands],
  aliases: AGENT_ALIASES,
  footer: [
    'Every command takes --help; listing and show commands take --json.',
    'In an agent run OPENASE_URL/OPENASE_TOKEN authenticate as the run; OPENASE_PROJECT is the default --project',
    'and OPENASE_TICKET the default TICKET. What the run may do is set by its workflow; a refusal names the scope.',
  ],
};

export const runAgentCli: AgentCliMain = (argv, io) =>
  runProgram(agentProgram, argv, { ...io, env: { ...io.env, [AGENT_CLI_ENV]: '1' } }, VERSION);
