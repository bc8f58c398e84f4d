import { describe, expect, it } from 'vitest';
import {
  activityWords,
  actorGroup,
  chatActivityWords,
  adapterWords,
  kindWords,
  parkedWords,
  reasonWords,
  runStateWords,
  machineKindWords,
  machineStatusWords,
  runScopeWords,
  priorityWords,
  PRIORITY_CHOICES,
  tokenScopeWords,
  jobTriggerWords,
  workflowTemplateWords,
} from './words';

describe('words', () => {
  it('says run states and stored reasons as words', () => {
    expect(runStateWords('timed_out')).toBe('timed out');
    expect(runStateWords('running')).toBe('running');
    expect(reasonWords('events arrived')).toBe('the agent started working');
    expect(reasonWords('daemon_restarted: exit code unknown')).toBe(
      'the daemon on this machine restarted while the agent was working',
    );
    expect(reasonWords('canceled: exit code unknown')).toBe('canceled');
    expect(reasonWords('exit code 3')).toBe('exit code 3');
  });

  it('names the product an agent runs, never the adapter code or its CLI', () => {
    expect([adapterWords('claude-code'), adapterWords('gemini'), adapterWords('custom')]).toEqual([
      'Claude Code',
      'Gemini CLI',
      'Custom command',
    ]);
    expect(reasonWords('no connected machine has the claude CLI and labels gpu')).toBe(
      'no connected machine has Claude Code and labels gpu',
    );
    expect(reasonWords('no connected machine has the command /srv/bot.sh')).toBe(
      'no connected machine has the command /srv/bot.sh',
    );
  });

  it('says machine statuses and what a run token may do in words', () => {
    expect([machineStatusWords('pending'), machineStatusWords('online')]).toEqual(['not connected yet', 'online']);
    expect(runScopeWords('tickets.create')).toBe('create tickets anywhere in the project');
    expect(runScopeWords('tickets.move')).toBe("move its own ticket, only to one of the workflow's finish statuses");
    expect(runScopeWords('tickets.move:Blocked')).toBe('move its ticket to Blocked');
    expect(runScopeWords('repositories.add')).not.toMatch(/`|openase/);
  });

  it('says kinds, actions and field names as words', () => {
    expect(kindWords('scheduled_job')).toBe('scheduled job');
    expect([machineKindWords('reverse'), machineKindWords('local'), machineKindWords('ssh')]).toEqual([
      'joined',
      'this host',
      'over SSH',
    ]);
    expect(kindWords('ticket.updated')).toBe('ticket updated');
    expect(activityWords('updated ACME-1: budgetUsd, parentId, title')).toBe('updated ACME-1: budget, parent, title');
    expect(activityWords('moved ACME-1 to Todo')).toBe('moved ACME-1 to Todo');
  });

  it('groups every run of an agent under one "Agents" entry', () => {
    expect(actorGroup({ actorType: 'agent', actorName: 'agent (ACME-1, run 0284da4a)' })).toBe('Agents');
    expect(actorGroup({ actorType: 'user', actorName: 'Ada' })).toBe('Ada');
  });
});

it('says why a card is stopped once ("Stopped after 3 of 3 attempts", not "Stopped: stopped after")', () => {
  expect(parkedWords('stopped after 3 of 3 attempts (last run failed)')).toBe(
    'Stopped after 3 of 3 attempts (last run failed)',
  );
  expect(parkedWords('its agent made no progress: 3 turns in a row')).toBe(
    'Stopped: its agent made no progress: 3 turns in a row',
  );
});

it('says priorities as labels, never the lowercase value ("Urgent", "No priority")', () => {
  expect(PRIORITY_CHOICES).toEqual([
    { value: 'urgent', label: 'Urgent' },
    { value: 'high', label: 'High' },
    { value: 'medium', label: 'Medium' },
    { value: 'low', label: 'Low' },
    { value: 'none', label: 'No priority' },
  ]);
  expect([priorityWords('high'), priorityWords('none')]).toEqual(['High', 'No priority']);
});

it('says what an API token scope allows, a job fire trigger and a workflow template in words, never the code', () => {
  expect(tokenScopeWords('runs.exec')).toBe('run commands on machines, set what an agent runs');
  expect(tokenScopeWords('workflows.hooks')).toBe('change what workflows run (hooks, MCP servers)');
  expect(tokenScopeWords('read')).toBe('read what your role can see');
  expect(tokenScopeWords('reports.export')).toBe('reports export');
  expect([jobTriggerWords('manual'), jobTriggerWords('catch-up'), jobTriggerWords('schedule')]).toEqual([
    'run now, by hand',
    'catching up after downtime',
    'on schedule',
  ]);
  for (const t of ['full-stack', 'hybrid-relay']) expect(workflowTemplateWords(t)).not.toContain(t);
});

it('describes a run scope truly for Project AI too, which links and comments on tickets that are not its own', () => {
  expect(runScopeWords('tickets.link')).toMatch(/Project AI between any tickets of the project/);
  expect(runScopeWords('tickets.comment')).toMatch(/Project AI on any ticket of the project/);
  expect(runScopeWords('tickets.link')).not.toMatch(/^add and remove dependencies of its own ticket$/);
});

it("says what a Project AI conversation is doing, what it waits for, never its activity's name", () => {
  const shown = (activity: string, state = 'open') => chatActivityWords(activity, state).text;
  expect(shown('waiting')).toBe('waiting for your next message');
  expect(chatActivityWords('waiting').title).toMatch(/finished its turn and waits for the next message/);
  expect([shown('idle'), shown('starting'), shown('working'), shown('waiting', 'closed')]).toEqual([
    'not running',
    'starting the agent…',
    'working…',
    'closed',
  ]);
  for (const activity of ['idle', 'starting', 'working', 'waiting'])
    expect(chatActivityWords(activity).title).not.toBe('');
  expect(shown('paused_for_review')).toBe('paused for review');
});
