/** Generated `--help` text shared by the daemon's commands and the agent's `openase` wrapper. */
export interface HelpOption {
  type: 'string' | 'boolean';
  description: string;
}

export interface HelpCommand {
  usage: string;
  summary: string;
  options: Record<string, HelpOption>;
}

/** The top-level help: what the program is, its commands, and where to read more. */
export function programHelp(
  intro: string,
  usage: string,
  commands: Record<string, { summary: string }>,
  footer: string,
): string {
  return [
    intro,
    '',
    `Usage: ${usage}`,
    '',
    'Commands:',
    ...Object.entries(commands).map(([n, c]) => `  ${n.padEnd(13)} ${c.summary}`),
    '',
    footer,
  ].join('\n');
}

/** One command's help: summary, usage, any extra lines, options. */
export function commandHelp(command: HelpCommand, extra: string[] = []): string {
  const rows = Object.entries(command.options).map(
    ([n, o]) => `  --${n}${o.type === 'string' ? ' VALUE' : ''}`.padEnd(22) + o.description,
  );
  return [
    command.summary,
    '',
    `Usage: ${command.usage}`,
    ...extra,
    '',
    'Options:',
    ...rows,
    '  -h, --help'.padEnd(22) + 'show this help',
  ].join('\n');
}
