/**
 * The client command groups every `openase` has: the person's (cli/main.ts) and the agent's
 * (cli/agent.ts). Only talking to the API — nothing here opens the database or starts a server,
 * so the daemon bundle can carry them.
 */
import type { CommandGroup } from './command.js';
import { projectCommands, repoCommands } from './commands/projects.js';
import { statusCommands } from './commands/statuses.js';
import { ticketCommands } from './commands/tickets.js';
import { machineCommands } from './commands/machines.js';
import { runCommands } from './commands/runs.js';
import { agentCommands } from './commands/agents.js';
import { workflowCommands } from './commands/workflows.js';
import { skillCommands } from './commands/skills.js';
import { jobCommands } from './commands/jobs.js';
import { chatCommands } from './commands/chat.js';

export const CLIENT_GROUPS: CommandGroup[] = [
  projectCommands,
  repoCommands,
  statusCommands,
  ticketCommands,
  machineCommands,
  runCommands,
  agentCommands,
  workflowCommands,
  skillCommands,
  jobCommands,
  chatCommands,
];
