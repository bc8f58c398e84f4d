/**
 * `openase-agent platform …`: what the agent's `openase` wrapper runs (platform-wrapper.ts). It
 * talks to the control plane's tRPC HTTP API as the run (Authorization: Bearer $OPENASE_TOKEN, a
 * run token scoped to this ticket) — tRPC v11, not batched: mutations are POST /trpc/<path> with
 * the JSON input as the body, queries GET /trpc/<path>?input=<JSON>; answers are
 * `{result:{data}}` or `{error:{message}}`. Exit codes: 0 ok, 1 failure, 2 bad usage.
 */
import { parseArgs } from 'node:util';
import { commandHelp, programHelp, type HelpCommand } from '../cli-help.js';
import { PlatformError, UsageError } from './platform-errors.js';
import { PROJECT_COMMANDS } from './platform-project.js';

export interface PlatformCommand extends HelpCommand {
  /** Takes free text: every positional word, joined into one text (its description). */
  text?: string;
  /** Takes exactly this many positional arguments. */
  args?: number;
  run(ctx: CommandContext): Promise<string>;
}

interface CommandContext {
  text: string;
  positionals: string[];
  values: Record<string, string | boolean | undefined>;
  ticket: string;
  project: string | undefined;
  call(kind: 'query' | 'mutation', procedure: string, input: unknown): Promise<unknown>;
}

const COMMANDS: Record<string, PlatformCommand> = {
  comment: {
    usage: 'openase comment TEXT',
    summary: 'add a comment to this ticket',
    options: {},
    text: 'the comment (Markdown)',
    async run({ text, ticket, call }) {
      await call('mutation', 'comments.add', { ticket, body: text });
      return `comment added to ${ticket}`;
    },
  },
  move: {
    usage: 'openase move STATUS',
    summary: 'move this ticket to another status (a finish status waits for the before_finish checks)',
    options: {},
    text: 'the status name',
    async run({ text, ticket, call }) {
      const answer = (await call('mutation', 'tickets.move', { ticket, status: text })) as {
        pendingStatus?: string;
      } | null;
      if (answer?.pendingStatus)
        return `${ticket} will move to ${answer.pendingStatus} once the before_finish checks pass`;
      return `${ticket} moved to ${text}`;
    },
  },
  progress: {
    usage: 'openase progress MESSAGE [--percent N]',
    summary: 'report progress on this ticket (shown on the board)',
    options: { percent: { type: 'string', description: 'how far along, 0 to 100' } },
    text: 'the progress message',
    async run({ text, ticket, values, call }) {
      let percent: number | undefined;
      if (values.percent !== undefined) {
        percent = Number(values.percent);
        if (!Number.isInteger(percent) || percent < 0 || percent > 100)
          throw new UsageError(`--percent must be a whole number from 0 to 100, got "${String(values.percent)}"`);
      }
      await call('mutation', 'tickets.reportProgress', {
        ticket,
        message: text,
        ...(percent !== undefined ? { percent } : {}),
      });
      return `progress reported on ${ticket}${percent !== undefined ? ` (${percent}%)` : ''}`;
    },
  },
  'create-child': {
    usage: 'openase create-child --title T [--description D]',
    summary: 'create a sub-ticket of this ticket',
    options: {
      title: { type: 'string', description: 'the new ticket’s title (required)' },
      description: { type: 'string', description: 'its description (Markdown)' },
    },
    async run({ values, ticket, project, call }) {
      if (typeof values.title !== 'string' || !values.title.trim())
        throw new UsageError('give the new ticket a title: --title "…"');
      if (!project) throw new PlatformError('OPENASE_PROJECT is not set; run this from an agent run');
      const created = (await call('mutation', 'tickets.create', {
        project,
        title: values.title,
        description: (values.description as string | undefined) ?? '',
        parent: ticket,
      })) as { identifier?: string } | null;
      return `created ${created?.identifier ?? 'a ticket'} under ${ticket}`;
    },
  },
  show: {
    usage: 'openase show [--json]',
    summary: 'show this ticket (status, description, children, comments)',
    options: { json: { type: 'boolean', description: 'print the ticket as JSON' } },
    async run({ values, ticket, call }) {
      const t = (await call('query', 'tickets.show', { ticket })) as TicketView;
      return values.json ? JSON.stringify(t, null, 2) : describeTicket(t);
    },
  },
  ...PROJECT_COMMANDS,
};

interface TicketView {
  identifier?: string;
  title?: string;
  description?: string;
  status?: { name?: string; stage?: string } | null;
  parent?: { identifier: string; title: string } | null;
  children?: Array<{ identifier: string; title: string; status: string | null }>;
  comments?: Array<{ body?: string; authorName?: string }>;
}

function describeTicket(t: TicketView): string {
  const lines = [
    `${t.identifier ?? '?'}: ${t.title ?? ''}`,
    `status: ${t.status?.name ?? '?'}${t.status?.stage ? ` (${t.status.stage})` : ''}`,
  ];
  if (t.parent) lines.push(`parent: ${t.parent.identifier} ${t.parent.title}`);
  if (t.children?.length)
    lines.push('children:', ...t.children.map((c) => `  ${c.identifier} [${c.status ?? '?'}] ${c.title}`));
  lines.push('', t.description?.trim() || '(no description)');
  if (t.comments?.length) lines.push('', `${t.comments.length} comment(s); see --json`);
  return lines.join('\n');
}

function help(): string {
  return programHelp(
    'openase: platform commands for the agent working on this ticket.',
    'openase <command> [options]',
    COMMANDS,
    'Run `openase <command> --help` for its options. Needs OPENASE_URL, OPENASE_TOKEN and OPENASE_TICKET (set for agent runs).',
  );
}

/** One tRPC call; throws PlatformError with the server's own message. */
async function callTrpc(
  env: NodeJS.ProcessEnv,
  kind: 'query' | 'mutation',
  procedure: string,
  input: unknown,
): Promise<unknown> {
  const base = env.OPENASE_URL!.replace(/\/+$/, '');
  const headers = { authorization: `Bearer ${env.OPENASE_TOKEN}`, 'content-type': 'application/json' };
  const url =
    kind === 'query'
      ? `${base}/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`
      : `${base}/trpc/${procedure}`;
  let res: Response;
  try {
    res = await fetch(url, kind === 'query' ? { headers } : { method: 'POST', headers, body: JSON.stringify(input) });
  } catch (err) {
    throw new PlatformError(
      `cannot reach the platform at ${base}: ${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}`,
    );
  }
  const body = (await res.json().catch(() => null)) as {
    result?: { data?: unknown };
    error?: { message?: string; data?: { appCode?: string }; json?: { message?: string } };
  } | null;
  if (!res.ok || !body || body.error) {
    const message = body?.error?.message ?? body?.error?.json?.message ?? `HTTP ${res.status}`;
    // One line, except a validation error: it lists every problem, one per line, and the agent needs them to fix its
    // file.
    const whole = body?.error?.data?.appCode === 'VALIDATION_FAILED';
    throw new PlatformError(`${procedure}: ${whole ? message.slice(0, 4000) : message.split('\n')[0]}`);
  }
  return body.result?.data ?? null;
}

export interface PlatformIo {
  env: NodeJS.ProcessEnv;
  out(text: string): void;
  err(text: string): void;
}

export async function platformMain(argv: string[], io: PlatformIo): Promise<number> {
  const [first, ...others] = argv;
  if (!first || first === '--help' || first === '-h' || first === 'help') {
    io.out(help());
    return first ? 0 : 2;
  }
  // Two-word commands (`ticket create`) first.
  const twoWords = others[0] !== undefined && COMMANDS[`${first} ${others[0]}`] ? `${first} ${others[0]}` : null;
  const name = twoWords ?? first;
  const rest = twoWords ? others.slice(1) : others;
  const command = COMMANDS[name];
  if (!command) {
    io.err(`openase: unknown command "${name}"; run \`openase --help\``);
    return 2;
  }
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    if (values.help) {
      io.out(commandHelp(command, command.text ? ['', `Arguments: ${command.text}`] : []));
      return 0;
    }
    const text = positionals.join(' ');
    if (command.text && !text.trim()) throw new UsageError(`give ${command.text}: ${command.usage}`);
    if (command.args !== undefined && positionals.length !== command.args)
      throw new UsageError(`expected ${command.args} argument(s), got ${positionals.length}: ${command.usage}`);
    if (!command.text && command.args === undefined && positionals.length)
      throw new UsageError(`unexpected argument "${positionals[0]}": ${command.usage}`);
    const missing = ['OPENASE_URL', 'OPENASE_TOKEN', 'OPENASE_TICKET'].filter((k) => !io.env[k]);
    if (missing.length)
      throw new PlatformError(`${missing.join(', ')} not set; the platform commands work inside an agent run`);
    const message = await command.run({
      text,
      positionals,
      values: values as Record<string, string | boolean | undefined>,
      ticket: io.env.OPENASE_TICKET!,
      project: io.env.OPENASE_PROJECT,
      call: (kind, procedure, input) => callTrpc(io.env, kind, procedure, input),
    });
    io.out(message);
    return 0;
  } catch (err) {
    const usage = err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    io.err(`openase ${name}: ${(err as Error).message}${usage ? ` (see \`openase ${name} --help\`)` : ''}`);
    return usage ? 2 : 1;
  }
}
