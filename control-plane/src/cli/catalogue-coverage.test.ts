/**
 * "One contract, one CLI": every operation of the catalogue (shared/src/api/catalogue.ts) is reachable from the
 * `openase` CLI. This reads the CLI's sources and fails naming each operation none of them calls — as
 * `api.tickets.move`, `API.tickets.move`, or on the client a call returns (`apiClientFromEnv(io.env).tickets.move`) —
 * unless CONSOLE_ONLY below says why the CLI has no command for it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { API, operationsOf, type ApiPath } from '@openase/shared';

/** Operations without a CLI command, each with the reason. */
const CONSOLE_ONLY: Partial<Record<ApiPath, string>> = {
  // Streams the console follows while a page is open; the CLI reads the same data by polling its queries.
  'live.changes': "the console's live board (every change in the organization); the CLI lists instead",
  'activity.onProject': "the console's live activity feed; `openase project activity` pages activity.list",
  'runs.onEvents': "the console's live run transcript; `openase run events --follow` polls runs.events",
  'chat.onEvents': "the console's live conversation; `openase chat` follows it by polling runs.events",
  'inbox.unread': "the console's live unread badge; `openase inbox list` prints the unread count",
};

const cliDir = path.dirname(fileURLToPath(import.meta.url));

function cliSources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return cliSources(file);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [fs.readFileSync(file, 'utf8')] : [];
  });
}

/** `api.g.n`, `API.g.n`, or `…(…).g.n` on the client a call returned. */
const calls = (source: string, op: string) =>
  new RegExp(
    `(?:\\bapi|\\bAPI|\\b(?:apiClientFromEnv|createApiClient)\\([^()]*\\))\\.${op.replace('.', '\\.')}\\b`,
  ).test(source);

describe('the openase CLI covers the API catalogue', () => {
  const sources = cliSources(cliDir).join('\n');
  const paths = operationsOf(API).map((op) => op.path);

  it('has a command for every operation, or says why not', () => {
    const missing = paths.filter((op) => !(op in CONSOLE_ONLY) && !calls(sources, op));
    expect(missing, 'operations no CLI command calls: add a command, or a reason to CONSOLE_ONLY').toEqual([]);
  });

  it('lists in CONSOLE_ONLY only operations that exist and that no command calls', () => {
    const stale = Object.keys(CONSOLE_ONLY).filter((op) => !paths.includes(op as ApiPath) || calls(sources, op));
    expect(stale, 'remove these from CONSOLE_ONLY').toEqual([]);
  });

  it('recognizes the ways commands call the client', () => {
    expect(calls('api.tickets.move.mutate(x)', 'tickets.move')).toBe(true);
    expect(calls('apiClientFromEnv(io.env).jobs.create.mutate', 'jobs.create')).toBe(true);
    expect(calls('api.tickets.moveAll', 'tickets.move')).toBe(false);
    expect(calls('// tickets.move', 'tickets.move')).toBe(false);
  });
});
