/**
 * An agent's tool call as a person reads it, in one line: the tool, and what it acted on — a shell command as the
 * command itself, a file read or edit as its path, a search as its pattern; a tool this code does not know as a
 * compact "key: value" list. Never the input's JSON: the whole input stays behind the row (the console's tool rows
 * show it on expanding). The names are those of every adapter (agent-daemon/src/adapters): Claude Code's, Codex's,
 * Gemini CLI's, and `mcp__<server>__<tool>` for an MCP server's.
 */
import { clip, firstLine } from '../domain/text.js';

const SHELL = new Set(['bash', 'shell', 'run_shell_command', 'exec_command', 'local_shell']);
const FILE = new Set([
  'read',
  'write',
  'edit',
  'multiedit',
  'notebookedit',
  'notebookread',
  'ls',
  'read_file',
  'write_file',
  'replace',
  'list_directory',
]);
const SEARCH = new Set(['grep', 'glob', 'search_file_content', 'grep_search']);
const WEB_PAGE = new Set(['webfetch', 'web_fetch']);
const WEB_SEARCH = new Set(['websearch', 'google_web_search', 'web_search']);
const SUBAGENT = new Set(['task', 'agent']);
const TODOS = new Set(['todowrite', 'write_todos']);

/** Its first line, cut to `max` characters: a one-line summary. */
const oneLine = (text: string, max = 200): string => clip(firstLine(text), max);

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v : undefined);

/** A command given as a string or as its words (`["bash", "-lc", "npm test"]`: the script). */
function command(v: unknown): string | undefined {
  if (typeof v === 'string') return str(v);
  if (!Array.isArray(v) || !v.every((w) => typeof w === 'string')) return undefined;
  const words = v as string[];
  const i = words.findIndex((w) => w === '-c' || w === '-lc');
  return str(i >= 0 && words[i + 1] !== undefined ? words[i + 1] : words.join(' '));
}

/** A value in a "key: value" list: short, and never JSON (a list as its items or its length, a record as its size). */
function compact(v: unknown): string {
  if (v === null || v === undefined) return 'none';
  if (typeof v === 'string') return oneLine(v, 60) || '""';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) {
    const shown = v.length <= 3 && v.every((x) => typeof x === 'string' || typeof x === 'number');
    return shown ? v.map((x) => oneLine(String(x), 40)).join(', ') : `${v.length} ${v.length === 1 ? 'item' : 'items'}`;
  }
  const size = Object.keys(v as object).length;
  return `${size} ${size === 1 ? 'field' : 'fields'}`;
}

/** What the call acted on, for the tools whose input says it in one field or two. */
function known(tool: string, input: Record<string, unknown>): string | undefined {
  if (SHELL.has(tool)) return command(input.command) ?? command(input.cmd);
  if (FILE.has(tool))
    return str(input.file_path) ?? str(input.notebook_path) ?? str(input.absolute_path) ?? str(input.path);
  if (SEARCH.has(tool)) {
    const pattern = str(input.pattern) ?? str(input.query);
    const where = str(input.path) ?? str(input.dir_path);
    return pattern && (where ? `${pattern} in ${where}` : pattern);
  }
  if (WEB_PAGE.has(tool)) return str(input.url) ?? str(input.prompt);
  if (WEB_SEARCH.has(tool)) return str(input.query);
  if (SUBAGENT.has(tool)) return str(input.description) ?? str(input.prompt);
  if (TODOS.has(tool) && Array.isArray(input.todos)) return `${input.todos.length} to-dos`;
  if (tool === 'apply_patch' && Array.isArray(input.changes))
    return input.changes.map((c: { path?: unknown }) => String(c?.path ?? '?')).join(', ');
  if (tool === 'read_many_files' && Array.isArray(input.paths)) return input.paths.map(String).join(', ');
  return undefined;
}

/**
 * A tool call as `{ tool, summary }`: the tool's name (an MCP server's as "tickets (openase)"), and what it acted on
 * ("npm test", "src/a.ts", "TODO in src") or, for a tool this code does not know, its input as "key: value, …".
 */
export function describeToolCall(name: string, input: unknown): { tool: string; summary: string } {
  const mcp = /^mcp__(.+?)__(.+)$/.exec(name);
  const tool = mcp ? `${mcp[2]} (${mcp[1]})` : name;
  if (input === null || input === undefined) return { tool, summary: '' };
  if (typeof input !== 'object' || Array.isArray(input)) return { tool, summary: oneLine(compact(input)) };
  const fields = input as Record<string, unknown>;
  const said = mcp ? undefined : known(name.toLowerCase(), fields);
  if (said) return { tool, summary: oneLine(said) };
  const list = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}: ${compact(v)}`)
    .join(', ');
  return { tool, summary: oneLine(list) };
}
