/**
 * Scheduled jobs through the real CLI against a real server process: a broken template refused,
 * a per-second job firing on the real clock (exactly once per second it covers), show, disable,
 * run-now, delete, --help and --json.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useCliServer } from './cli-server.js';
import { waitFor } from '@openase/test-kit/wait';

const instance = useCliServer('jobs', 'Ops');
const cli = (args: string[]) => instance.server.cli(args);
/** `openase job create <name>` in project ops, with `options` after. */
const createJob = (name: string, ...options: string[]) => cli(['job', 'create', name, '--project', 'ops', ...options]);
const write = (name: string, text: string) => {
  const file = path.join(instance.work, name);
  fs.writeFileSync(file, text);
  return file;
};

describe('openase job CLI against a running server', () => {
  it('has --help on every job command', () => {
    for (const sub of ['create', 'update', 'list', 'show', 'enable', 'disable', 'run-now', 'delete']) {
      const r = cli(['job', sub, '--help']);
      expect(r.code, sub).toBe(0);
      expect(r.out).toMatch(/Usage: openase job/);
    }
    expect(cli(['job', 'create', '--help']).out).toMatch(/\{\{date:FORMAT\}\}/);
  });

  it('refuses a broken template, cron or zone with one line and saves nothing', () => {
    const broken = write('broken.md', '---\ntitle: Standup {{dat}}\n---\n');
    const r = createJob('standup', '--cron', '0 9 * * 1-5', '--tz', 'Europe/Berlin', '--template', broken);
    expect(r.code).toBe(1);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/the ticket template is broken: title: unknown placeholder \{\{dat\}\}/);
    const good = write('good.md', '---\ntitle: Standup {{date}}\n---\n');
    const cron = createJob('standup', '--cron', '0 9 * * 8-9', '--template', good);
    expect(cron.code).toBe(1);
    expect(cron.err).toMatch(/invalid cron expression/);
    const zone = createJob('standup', '--cron', '0 9 * * 1-5', '--tz', 'Europe/Berln', '--template', good);
    expect(zone.code).toBe(1);
    expect(zone.err).toMatch(/unknown time zone "Europe\/Berln"/);
    const notATemplate = createJob('standup', '--cron', '0 9 * * 1-5', '--template', write('plain.md', 'hello'));
    expect(notATemplate.code).toBe(1);
    expect(notATemplate.err).toMatch(/plain\.md: a job template file starts with a `---` line/);
    expect(createJob('standup', '--template', good).code).toBe(2);
    expect(createJob('standup', '--cron', '* * * * *', '--template', good, '--catch-up', 'always').code).toBe(2);
    expect(JSON.parse(cli(['job', 'list', '--project', 'ops', '--json']).out)).toEqual([]);
    expect(cli(['job', 'list', '--project', 'ops']).out).toMatch(/no scheduled jobs/);
  });

  it('creates a weekday job and shows its next fire times in its zone', () => {
    const file = write(
      'standup.md',
      '---\ntitle: Standup {{date}}\nstatus: Todo\nlabels: [ops]\n---\nNotes for {{weekday}}.\n',
    );
    const created = createJob(
      'standup',
      '--cron',
      '0 9 * * 1-5',
      '--tz',
      'Europe/Berlin',
      '--template',
      file,
      '--json',
    );
    expect(created.code, created.err).toBe(0);
    expect(JSON.parse(created.out)).toMatchObject({
      name: 'standup',
      timeZone: 'Europe/Berlin',
      catchUp: 'skip',
      enabled: true,
    });
    const shown = cli(['job', 'show', 'standup', '--project', 'ops', '--next', '3']);
    expect(shown.code, shown.err).toBe(0);
    const lines = shown.out.split('\n');
    const next = lines.slice(lines.indexOf('Next fires:') + 1, lines.indexOf('Next fires:') + 4);
    for (const line of next) expect(line).toMatch(/^ {2}(Mon|Tue|Wed|Thu|Fri) \d{4}-\d\d-\d\d 09:00:00 GMT\+[12]$/);
    expect(shown.out).toMatch(/Recent fires:\n\s+\(none yet\)/);
    const list = cli(['job', 'list', '--project', 'ops']);
    expect(list.out).toMatch(/standup\s+0 9 \* \* 1-5\s+Europe\/Berlin\s+yes\s+skip\s+(Mon|Tue|Wed|Thu|Fri) /);
  });

  it('fires a per-second job on the real clock once per second, then stops when disabled', async () => {
    const file = write('tick.md', '---\ntitle: Tick {{date:HH:mm:ss}}\n---\n');
    expect(createJob('tick', '--cron', '* * * * * *', '--template', file).code).toBe(0);
    type Shown = { fires: Array<{ scheduledFor: string; ticketIdentifier: string | null; trigger: string }> };
    const show = () =>
      JSON.parse(cli(['job', 'show', 'tick', '--project', 'ops', '--fires', '100', '--json']).out) as Shown;
    await waitFor('three fires of the per-second job', () => show().fires.length >= 3, 20_000, 200);
    expect(cli(['job', 'disable', 'tick', '--project', 'ops']).code).toBe(0);
    const fires = show().fires;
    const seconds = fires.map((f) => f.scheduledFor);
    expect(new Set(seconds).size).toBe(seconds.length);
    for (const s of seconds) expect(s).toMatch(/\.000Z$/);
    expect(fires.every((f) => f.trigger === 'schedule' && f.ticketIdentifier)).toBe(true);
    const tickets = (
      JSON.parse(cli(['ticket', 'list', '--project', 'ops', '--json', '--all']).out) as {
        items: Array<{ title: string; createdBy?: string }>;
      }
    ).items;
    const ticks = tickets.filter((t) => t.title.startsWith('Tick '));
    expect(ticks).toHaveLength(fires.length);
    expect(cli(['job', 'list', '--project', 'ops']).out).toMatch(/tick\s+\* \* \* \* \* \*\s+UTC\s+no\s+skip\s+-\s+/);
    expect(instance.server.output()).toMatch(/\[jobs\] tick fired for .*: created OPS-\d+/);
  });

  it('runs a job now, then deletes it', () => {
    const ran = cli(['job', 'run-now', 'standup', '--project', 'ops']);
    expect(ran.code, ran.err).toBe(0);
    expect(ran.out).toMatch(/^created OPS-\d+$/m);
    const shown = cli(['job', 'show', 'standup', '--project', 'ops']);
    // The trigger in words, as the console says it (not `manual`).
    expect(shown.out).toMatch(/run now, by hand\s+OPS-\d+/);
    const ticket = JSON.parse(cli(['ticket', 'show', ran.out.trim().split(' ')[1]!, '--json']).out);
    expect(ticket.title).toMatch(/^Standup \d{4}-\d\d-\d\d$/);
    expect(ticket.description).toMatch(/^Notes for [A-Z][a-z]+day\.$/);
    expect(ticket.activity[0].actorName).toBe('system:scheduled-job standup');
    expect(cli(['job', 'delete', 'standup', '--project', 'ops']).code).toBe(0);
    const gone = cli(['job', 'show', 'standup', '--project', 'ops']);
    expect(gone.code).toBe(1);
    expect(gone.err).toMatch(/scheduled job "standup" does not exist/);
  });

  it('says where a failed run-now is recorded and how to fix the template', () => {
    expect(cli(['status', 'create', 'Triage', '--project', 'ops', '--stage', 'backlog']).code).toBe(0);
    const file = write('triage.md', '---\ntitle: Triage {{date}}\nstatus: Triage\n---\n');
    expect(createJob('triage', '--cron', '0 3 * * *', '--template', file).code).toBe(0);
    expect(cli(['status', 'delete', 'Triage', '--project', 'ops']).code).toBe(0);
    const ran = cli(['job', 'run-now', 'triage', '--project', 'ops']);
    expect(ran.code).toBe(1);
    expect(ran.err).toMatch(
      /^openase job run-now: the fire failed \(recorded in `openase job show triage`\): status "Triage" does not exist/,
    );
    expect(ran.err).toMatch(/fix the template and save it with `openase job update triage --template FILE`\n$/);
    expect(cli(['job', 'show', 'triage', '--project', 'ops']).out).toMatch(/run now, by hand\s+error: status "Triage"/);
  });
});
