import { describe, expect, it } from 'vitest';
import { durationWords, runRow, runStateText, specFields, transitionLine, type ListedRun } from './run-list.js';

const now = new Date('2026-01-31T12:10:00Z');
const run = (over: Partial<ListedRun>): ListedRun => ({
  id: '0b6c3f1e-5d3a-4c2e-9a57-6f1d2e3c4b5a',
  kind: 'agent',
  state: 'succeeded',
  exitCode: 0,
  signal: null,
  machineName: 'builder',
  ticketIdentifier: 'DEMO-3',
  conversationId: null,
  startedAt: '2026-01-31T12:00:00Z',
  finishedAt: '2026-01-31T12:03:07Z',
  costUsd: 0.4213,
  ...over,
});

describe('openase run list rows', () => {
  it('shows the short id, the ticket, the kind, the state in words, where, when, how long and the cost', () => {
    expect(runRow(run({}), now)).toEqual([
      '0b6c3f1e',
      'DEMO-3',
      'agent',
      'succeeded',
      'builder',
      '2026-01-31 12:00',
      '3m 07s',
      '$0.4213',
    ]);
  });

  it('says states as the console does, how a run ended, and leaves blank what is not known', () => {
    const command = { kind: 'command', ticketIdentifier: null, costUsd: 0 };
    expect(runRow(run({ ...command, state: 'timed_out', exitCode: null, signal: 'SIGTERM' }), now)).toEqual([
      '0b6c3f1e',
      '',
      'command',
      'timed out (SIGTERM)',
      'builder',
      '2026-01-31 12:00',
      '3m 07s',
      '',
    ]);
    expect(runRow(run({ ...command, state: 'failed', exitCode: 4 }), now)[3]).toBe('failed (exit 4)');
    const queued = run({ state: 'offered', exitCode: null, startedAt: null, finishedAt: null, machineName: null });
    expect(runRow(queued, now).slice(3, 7)).toEqual(['starting', '', '', '']);
    expect(runRow(run({ state: 'running', exitCode: null, finishedAt: null }), now)[6]).toBe('10m 00s so far');
    expect(runRow(run({ conversationId: 'c', ticketIdentifier: null }), now).slice(1, 3)).toEqual(['', 'Project AI']);
  });

  it('says durations in seconds, minutes and hours', () => {
    expect([durationWords(400), durationWords(59_600), durationWords(61_000), durationWords(7_500_000)]).toEqual([
      '0s',
      '1m 00s',
      '1m 01s',
      '2h 05m',
    ]);
  });
});

it('says a run state in words everywhere the CLI prints one (run show, ticket show, chat show, run events --follow)', () => {
  expect(runStateText('timed_out')).toBe('timed out');
  expect(runStateText('offered')).toBe('starting');
  expect(runStateText('some_new_state')).toBe('some new state');
});

describe('openase run show: what the run was asked to do', () => {
  const agent = { adapter: 'custom', command: '/srv/bot.sh', skills: { commit: [] } };
  it("names an agent run's ticket, title and the run's number first (not the ticket's attempt: that restarts)", () => {
    const spec = {
      kind: 'agent',
      ticket: { identifier: 'DEMO-1', title: 'Say hello', branch: 'openase/DEMO-1-say-hello' },
      repos: [{ name: 'app' }],
      agent,
    };
    expect(specFields(spec, { conversationId: null, attempt: 3 })).toEqual([
      ['ticket', 'DEMO-1 Say hello (run 3)'],
      ['agent', 'custom /srv/bot.sh'],
      ['branch', 'openase/DEMO-1-say-hello'],
      ['repositories', 'app'],
      ['skills', 'commit'],
      ['spec', 'the whole spec (prompt, skill files): --json'],
    ]);
  });

  it('names the conversation of a Project AI run, and the command of a plain one', () => {
    expect(specFields({ kind: 'agent', agent }, { conversationId: 'c0ffee', attempt: 1 })[0]).toEqual([
      'conversation',
      'c0ffee (Project AI)',
    ]);
    expect(specFields({ kind: 'command', command: ['sh', '-c', 'echo hi'] })).toEqual([
      ['command', 'sh -c echo hi'],
      ['cwd', '(its run folder)'],
    ]);
  });

  it('shows what it can of a spec that does not read, and nothing for the parts that do not', () => {
    const odd = { kind: 'agent', ticket: { identifier: 'DEMO-1', title: 'Hi', branch: 'b' }, repos: 'app', agent: 7 };
    expect(specFields(odd, { attempt: 2 })).toEqual([
      ['ticket', 'DEMO-1 Hi (run 2)'],
      ['agent', ''],
      ['branch', 'b'],
      ['repositories', 'none'],
      ['skills', 'none'],
      ['spec', 'the whole spec (prompt, skill files): --json'],
    ]);
    expect(specFields({ kind: 'command', command: 'echo hi', cwd: 4 })).toEqual([
      ['command', ''],
      ['cwd', '(its run folder)'],
    ]);
    for (const spec of [null, 'x', [], { kind: 'agent', ticket: { identifier: 5 } }])
      expect(specFields(spec).map(([name]) => name)).toEqual(['agent', 'branch', 'repositories', 'skills', 'spec']);
  });
});

it("prints run show's history in words, with the time in UTC (it printed `queued → running` and Date's own text)", () => {
  const at = new Date('2026-01-31T12:00:05.250Z');
  expect(transitionLine({ at, fromState: null, toState: 'queued', reason: 'dispatched DEMO-3 (run 1)' })).toBe(
    '  2026-01-31 12:00:05 UTC  new → queued: dispatched DEMO-3 (run 1)',
  );
  expect(transitionLine({ at: at.toISOString(), fromState: 'offered', toState: 'timed_out', reason: 'limit' })).toBe(
    `  2026-01-31 12:00:05 UTC  ${runStateText('offered')} → timed out: limit`,
  );
});
