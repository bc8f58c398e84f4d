/**
 * The first-user flow with real processes: `openase serve` from the bundle on the embedded
 * database, then the CLI against it, exactly as the README tells a new user.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundle as bundlePath, startServerProcess, type ServerProcess } from '@openase/test-kit/server-process';
import { seedDataDir } from '@openase/test-kit/database-templates';

let server: ServerProcess;
let home: string;

function cli(args: string[], input?: string) {
  return server.cli(args, { input });
}

describe('openase CLI against a running server', () => {
  beforeAll(async () => {
    server = await startServerProcess();
    home = server.home;
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('runs the README flow: project, ticket, move, show with activity', () => {
    const project = cli(['project', 'create', 'Demo', '--json']);
    expect(project.code, project.err).toBe(0);
    expect(JSON.parse(project.out)).toMatchObject({ slug: 'demo', ticketPrefix: 'DEMO' });
    const ticket = cli(['ticket', 'create', '--project', 'demo', '--title', 'Add login', '--json']);
    expect(ticket.code, ticket.err).toBe(0);
    expect(JSON.parse(ticket.out).identifier).toBe('DEMO-1');
    // The status as typed, said as the project names it.
    const moved = cli(['ticket', 'move', 'DEMO-1', 'todo']);
    expect(moved.code, moved.err).toBe(0);
    expect(moved.out).toBe('moved DEMO-1 to Todo\n');
    // Moved again to where it is: said so, and nothing recorded.
    expect(cli(['ticket', 'move', 'DEMO-1', 'TODO']).out).toBe('DEMO-1 is in Todo already; nothing changed\n');
    const shown = cli(['ticket', 'show', 'DEMO-1', '--json']);
    const detail = JSON.parse(shown.out);
    expect(detail.status.name).toBe('Todo');
    expect(detail.activity.map((a: { action: string }) => a.action)).toEqual(['ticket.created', 'ticket.moved']);
    const human = cli(['ticket', 'show', 'DEMO-1']);
    expect(human.out).toMatch(/status:\s+Todo \(unstarted\)/);
    expect(human.out).toMatch(/moved DEMO-1 from Backlog to Todo/);
    // Every id the CLI prints is accepted back.
    const added = cli(['ticket', 'comment', 'DEMO-1', 'first']);
    const printed = /added comment (\S+) on DEMO-1/.exec(added.out)![1]!;
    expect(cli(['ticket', 'show', 'DEMO-1']).out).toContain(`[${printed}]`);
    const edited = cli(['ticket', 'comment', 'DEMO-1', 'second', '--edit', printed]);
    expect(edited.code, edited.err).toBe(0);
  });

  it('pages ticket, run and audit lists: --limit, the cursor under the page, --all, nextCursor in --json', () => {
    expect(cli(['project', 'create', 'Paged', '--prefix', 'PG']).code).toBe(0);
    for (const title of ['one', 'two', 'three'])
      expect(cli(['ticket', 'create', '--project', 'paged', '--title', title]).code).toBe(0);
    const first = cli(['ticket', 'list', '--project', 'paged', '--limit', '2']);
    expect(first.out).toMatch(/PG-3 .*\n.*PG-2 /);
    const cursor = /2 shown; there are more: add --cursor (\S+) for the next page, or --all/.exec(first.out)![1]!;
    const second = JSON.parse(
      cli(['ticket', 'list', '--project', 'paged', '--limit', '2', '--cursor', cursor, '--json']).out,
    );
    expect(second).toMatchObject({ items: [{ identifier: 'PG-1' }], nextCursor: null });
    const all = JSON.parse(cli(['ticket', 'list', '--project', 'paged', '--limit', '1', '--all', '--json']).out);
    expect(all.items.map((t: { identifier: string }) => t.identifier)).toEqual(['PG-3', 'PG-2', 'PG-1']);
    expect(all.nextCursor).toBeNull();
    expect(cli(['ticket', 'list', '--project', 'paged', '--limit', '0']).err).toMatch(/--limit takes a whole number/);
    expect(cli(['audit', 'list', '--project', 'paged', '--limit', '1']).out).toMatch(
      /1 shown; there are more: add --cursor \d+/,
    );
    // As its --help shows it: it wrote the CSV, then failed with a stack trace (its output's write result as the code).
    const csv = cli(['audit', 'list', '--csv']);
    expect([csv.code, csv.err]).toEqual([0, '']);
    expect(csv.out).toMatch(/^id,at,actor,/);
  }, 240_000);

  it('fails with one line and a non-zero exit on errors', () => {
    const unknown = cli(['ticket', 'move', 'DEMO-1', 'Nowhere']);
    expect(unknown.code).toBe(1);
    expect(unknown.err.trim().split('\n')).toHaveLength(1);
    expect(unknown.err).toMatch(/status "Nowhere" does not exist/);
    const usage = cli(['ticket', 'create', '--project', 'demo']);
    expect(usage.code).toBe(2);
    expect(usage.err).toMatch(/a title is required: openase ticket create "Add login" --project P/);
    const unquoted = cli(['ticket', 'create', 'Add', 'login', '--project', 'demo']);
    expect(unquoted.code).toBe(2);
    expect(unquoted.err).toMatch(
      /^openase ticket create: takes \[TITLE\]; "login" is extra \(if "Add login" is one text, put it in quotes\)/,
    );
    // Arguments beyond what a command takes are refused, not dropped: nothing moved, nothing shown.
    const extra = cli(['ticket', 'move', 'DEMO-1', 'In Review', 'junk']);
    expect([extra.code, extra.out, extra.err.trim()]).toEqual([
      2,
      '',
      'openase ticket move: takes TICKET STATUS; "junk" is extra (if "In Review junk" is one text, put it in quotes) (see `openase ticket move --help`)',
    ]);
    expect(JSON.parse(cli(['ticket', 'show', 'DEMO-1', '--json']).out).status.name).toBe('Todo');
    expect(cli(['ticket', 'show', 'DEMO-1', 'DEMO-2']).err).toMatch(
      /^openase ticket show: takes TICKET; "DEMO-2" is extra/,
    );
    // A mistyped group or command: the nearest known one.
    expect(cli(['tiket', 'list']).err).toMatch(
      /^openase: unknown command "tiket"; did you mean `openase ticket list`\?/,
    );
    expect(cli(['ticket', 'shw', 'DEMO-1']).err).toMatch(/did you mean `openase ticket show`\?/);
    expect(cli(['ticket', 'create', 'Add login', '--project', 'demo']).out).toMatch(/^created DEMO-\d+: Add login/);
    const flag = cli(['ticket', 'list', '--bogus']);
    expect(flag.code).toBe(2);
    const cmd = cli(['nonsense']);
    expect(cmd.code).toBe(2);
    // An option where a command belongs is not an unknown command "ticket --bogus".
    expect(cli(['ticket', '--bogus']).err).toMatch(
      /^openase ticket: name a command before options \("--bogus" is an option\)/,
    );
    // A PostgreSQL that does not answer is said in words (it was Node's "connect ECONNREFUSED 127.0.0.1:9").
    const source = fs.mkdtempSync(path.join(os.tmpdir(), 'openase-cli-move-'));
    seedDataDir(source);
    const move = spawnSync(
      process.execPath,
      [bundlePath as string, 'db', 'migrate-to', 'postgres://postgres@127.0.0.1:9/x', '--data-dir', source],
      { encoding: 'utf8' },
    );
    fs.rmSync(source, { recursive: true, force: true });
    expect([move.status, move.stderr.trim()]).toEqual([
      1,
      'openase db migrate-to: cannot reach PostgreSQL at 127.0.0.1:9 (nothing listens there): is it running, and is the URL right?',
    ]);
  });

  it('has --help on every command', () => {
    for (const args of [
      ['--help'],
      ['ticket', '--help'],
      ['ticket', 'link', '--help'],
      ['status', 'delete', '--help'],
      ['token', 'create', '--help'],
      ['serve', '--help'],
    ]) {
      const r = cli(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.out).toMatch(/Usage: openase/);
    }
    // The operations walkthrough looked for the log, metrics and shutdown settings in `serve --help`.
    expect(cli(['serve', '--help']).out).toMatch(/OPENASE_LOG_LEVEL.*OPENASE_METRICS_TOKEN_FILE.*SHUTDOWN_TIMEOUT_MS/s);
  });

  it('creates, uses and revokes API tokens', () => {
    const created = JSON.parse(cli(['token', 'create', 'ci', '--scopes', 'read', '--json']).out);
    expect(created.token).toMatch(/^oat_/);
    const listed = JSON.parse(cli(['token', 'list', '--json']).out);
    // The secret is everything after `oat_<id>_` (it may itself contain `_`).
    expect(JSON.stringify(listed)).not.toContain(created.token.slice(created.token.indexOf('_', 4) + 1));
    const env = { ...process.env, OPENASE_HOME: home, OPENASE_TOKEN: created.token };
    const asReader = spawnSync(process.execPath, [bundlePath as string, 'project', 'create', 'Nope'], {
      env,
      encoding: 'utf8',
    });
    expect(asReader.status).toBe(1);
    expect(asReader.stderr).toMatch(/lacks the "write" scope/);
    expect(cli(['token', 'revoke', created.record.id]).code).toBe(0);
    const afterRevoke = spawnSync(process.execPath, [bundlePath as string, 'project', 'list'], {
      env,
      encoding: 'utf8',
    });
    expect(afterRevoke.status).toBe(1);
    expect(afterRevoke.stderr).toMatch(/revoked/);
    // A lifetime needs its unit (a bare 3 was 3 seconds), and the listing says when a token has expired.
    expect(cli(['token', 'create', 'short', '--expires', '3']).err).toMatch(
      /"3" is not a duration; use a number and a unit/,
    );
    cli(['token', 'create', 'short', '--expires', '1s', '--json']);
    const row = () =>
      cli(['token', 'list'])
        .out.split('\n')
        .find((l) => /\bshort\b/.test(l)) ?? '';
    expect(row()).toMatch(/ (active|expired)$/);
    spawnSync('sleep', ['1.1']);
    expect(row()).toMatch(/ expired$/);
    expect(
      cli(['token', 'list'])
        .out.split('\n')
        .find((l) => /\bci\b/.test(l)),
    ).toMatch(/ revoked$/);
  });

  it('logs in with --url/--token into a fresh home, refusing a bad token', () => {
    const { url, token } = JSON.parse(fs.readFileSync(path.join(home, 'credentials'), 'utf8'));
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'openase-login-'));
    const run = (args: string[]) =>
      spawnSync(process.execPath, [bundlePath as string, ...args], {
        env: { ...process.env, OPENASE_HOME: other, OPENASE_URL: '', OPENASE_TOKEN: '' },
        encoding: 'utf8',
      });
    const bad = run(['login', '--url', url, '--token', 'oat_000000000000_notarealsecretnotarealsecret']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/not valid/);
    expect(fs.existsSync(path.join(other, 'credentials'))).toBe(false);
    const good = run(['login', '--url', url, '--token', token]);
    expect(good.status, good.stderr).toBe(0);
    expect(fs.statSync(path.join(other, 'credentials')).mode & 0o777).toBe(0o600);
    expect(run(['project', 'list', '--json']).status).toBe(0);
    fs.rmSync(other, { recursive: true, force: true });
  });

  it('creates a join token that a daemon exchanges once over POST /agent/join', async () => {
    const created = cli(['machine', 'join-token', 'create', '--labels', 'linux', '--json']);
    expect(created.code, created.err).toBe(0);
    const { token, command } = JSON.parse(created.out);
    expect(command).toMatch(/^openase-agent join http:\/\/127\.0\.0\.1:\d+ oaj_/);
    const url = JSON.parse(fs.readFileSync(path.join(home, 'credentials'), 'utf8')).url;
    const join = (bearer: string, body: unknown) =>
      fetch(`${url}/agent/join`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const bad = await join(token, { name: '../../etc' });
    expect(bad.status).toBe(400);
    const first = await join(token, { name: 'box-1', slots: 2 });
    expect(first.status).toBe(200);
    expect(((await first.json()) as { credential: string }).credential).toMatch(/^oam_/);
    const replay = await join(token, { name: 'box-2' });
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { error: { message: string } }).error.message).toMatch(/already been used/);
    const listed = JSON.parse(cli(['machine', 'list', '--json']).out);
    expect(listed.machines.find((m: { name: string }) => m.name === 'box-1')).toMatchObject({
      name: 'box-1',
      kind: 'reverse',
      status: 'pending',
      slots: { total: 2, used: 0 },
      labels: ['linux'],
    });
    expect(cli(['machine', 'revoke', 'box-1']).code).toBe(0);
    expect(cli(['machine', 'list']).out).toMatch(/box-1.*revoked/);
  });

  it('deletes tickets, repositories and projects, and says in one line what blocks a deletion', () => {
    const ok = (args: string[]) => {
      const r = cli(args);
      expect(r.code, `${args.join(' ')}: ${r.err}`).toBe(0);
      return r.out;
    };
    const refused = (args: string[], message: RegExp) => {
      const r = cli(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(message);
    };
    ok(['project', 'create', 'Gone', '--json']);
    ok(['ticket', 'create', '--project', 'gone', '--title', 'Parent']);
    ok(['ticket', 'create', '--project', 'gone', '--title', 'Child', '--parent', 'GONE-1']);
    refused(['ticket', 'delete', 'GONE-1'], /GONE-1 has sub-tickets \(GONE-2\); delete them first/);
    expect(JSON.parse(ok(['ticket', 'delete', 'GONE-1', '--with-children', '--json']))).toEqual({
      deleted: ['GONE-1', 'GONE-2'],
    });
    refused(['ticket', 'show', 'GONE-1'], /ticket GONE-1 does not exist/);
    // A remote git cannot read from here is added (machines may reach it), with git's reason as a warning.
    const unread = cli(['repo', 'add', 'file:///srv/git/app.git', '--project', 'gone']);
    expect([unread.code, unread.out]).toEqual([0, 'added repository app (file:///srv/git/app.git, branch main)\n']);
    expect(unread.err).toMatch(
      /^openase repo add: warning: git could not read file:\/\/\/srv\/git\/app\.git from here \(fatal: .*\); check the URL/,
    );
    // A remote whose default branch is not main (git init's default until recently): repo add asks git for it.
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'openase-master-'));
    const git = (args: string[]) => expect(spawnSync('git', args).status).toBe(0);
    git(['init', '--quiet', '-b', 'master', path.join(base, 'seed')]);
    git([
      '-C',
      path.join(base, 'seed'),
      '-c',
      'user.name=t',
      '-c',
      'user.email=t@t',
      'commit',
      '--allow-empty',
      '-qm',
      'x',
    ]);
    git(['clone', '--bare', '--quiet', path.join(base, 'seed'), path.join(base, 'old.git')]);
    expect(ok(['repo', 'add', `file://${base}/old.git`, '--project', 'gone', '--name', 'old'])).toMatch(
      /branch master\)/,
    );
    expect(ok(['repo', 'update', 'old', '--project', 'gone', '--branch', 'trunk'])).toBe(
      'repository old: branch trunk\n',
    );
    refused(['repo', 'update', 'old', '--project', 'gone'], /nothing to change: give a branch or labels/);
    ok(['repo', 'delete', 'old', '--project', 'gone']);
    fs.rmSync(base, { recursive: true, force: true });
    refused(['repo', 'delete', 'nope', '--project', 'gone'], /no repository named "nope"; its repositories: app/);
    expect(ok(['repo', 'delete', 'app', '--project', 'gone'])).toBe('deleted repository app\n');
    refused(['machine', 'delete', 'local'], /machine "local" is the server's own machine/);
    refused(['project', 'delete', 'gone', '--confirm', 'demo'], /needs its short name "gone" typed to confirm/);
    expect(ok(['project', 'delete', 'gone', '--confirm', 'gone'])).toBe('deleted project gone and its 0 ticket(s)\n');
    refused(['project', 'show', 'gone'], /project "gone" does not exist/);
  });

  it('changes and deletes several tickets at once, all or none, and keeps saved views of the board', () => {
    const ok = (args: string[]) => {
      const r = cli(args);
      expect(r.code, `${args.join(' ')}: ${r.err}`).toBe(0);
      return r.out;
    };
    ok(['project', 'create', 'Many', '--prefix', 'MANY']);
    for (const title of ['one', 'two', 'three']) ok(['ticket', 'create', '--project', 'many', '--title', title]);
    expect(
      ok(['ticket', 'bulk-update', 'MANY-1', 'MANY-2', '--project', 'many', '--status', 'Todo', '--priority', 'high']),
    ).toMatch(/MANY-1\s+Todo\s+high\n.*MANY-2\s+Todo\s+high\n2 tickets updated/);
    // One unknown status refuses the whole change, in one line.
    const refused = cli(['ticket', 'bulk-update', 'MANY-3', '--project', 'many', '--status', 'Nowhere']);
    expect(refused.code).toBe(1);
    expect(refused.err.trim().split('\n')).toHaveLength(1);
    expect(cli(['ticket', 'bulk-update', 'MANY-3', '--project', 'many']).err).toMatch(
      /give --status, --priority or both/,
    );
    expect(ok(['ticket', 'bulk-delete', 'MANY-2', 'MANY-3', '--project', 'many'])).toBe('deleted MANY-2, MANY-3\n');
    expect(
      JSON.parse(ok(['ticket', 'list', '--project', 'many', '--json'])).items.map(
        (t: { identifier: string }) => t.identifier,
      ),
    ).toEqual(['MANY-1']);

    expect(ok(['view', 'list', '--project', 'many'])).toMatch(/^no saved views/);
    expect(ok(['view', 'save', 'Urgent', '--project', 'many', '--priority', 'urgent', '--q', 'login', '--list'])).toBe(
      'saved view Urgent: search "login", priority urgent, as a list\n',
    );
    expect(ok(['view', 'list', '--project', 'many'])).toMatch(/Urgent\s+search "login", priority urgent, as a list/);
    expect(JSON.parse(ok(['view', 'list', '--project', 'many', '--json']))).toMatchObject([
      { name: 'Urgent', query: { q: 'login', priority: 'urgent', view: 'list' } },
    ]);
    expect(ok(['view', 'delete', 'Urgent', '--project', 'many'])).toBe('deleted view Urgent\n');
  });

  it('refuses a second server on the same embedded database', () => {
    const second = spawnSync(process.execPath, [bundlePath as string, 'serve', '--port', '0', '--data-dir', home], {
      env: { ...process.env, DATABASE_URL: '' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(second.status).toBe(1);
    expect(second.stderr).toMatch(/in use by process \d+/);
  });
});
