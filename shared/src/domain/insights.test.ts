import { describe, expect, it } from 'vitest';
import { milestones, perAgent, perDay, timeInStatus, type InsightFacts } from './insights.js';

const facts: InsightFacts = {
  since: '2026-12-01T00:00:00.000Z',
  now: '2026-12-03T12:00:00.000Z',
  statuses: [
    { name: 'Todo', stage: 'unstarted' },
    { name: 'In Review', stage: 'started' },
    { name: 'Done', stage: 'completed' },
  ],
  tickets: [
    { id: 'a', identifier: 'X-1', title: 'a', createdAt: '2026-12-01T00:00:00.000Z', status: 'Done' },
    { id: 'b', identifier: 'X-2', title: 'b', createdAt: '2026-12-01T06:00:00.000Z', status: 'Todo' },
  ],
  moves: [
    { ticketId: 'a', at: '2026-12-02T10:00:00.000Z', status: 'In Review' },
    { ticketId: 'a', at: '2026-12-03T06:00:00.000Z', status: 'Done' },
    // b was done, then reopened: not done.
    { ticketId: 'b', at: '2026-12-02T00:00:00.000Z', status: 'Done' },
    { ticketId: 'b', at: '2026-12-02T01:00:00.000Z', status: 'Todo' },
  ],
  runs: [
    {
      ticketId: 'a',
      agent: 'coder',
      state: 'succeeded',
      costUsd: 1.5,
      createdAt: '2026-12-01T01:00:00.000Z',
      startedAt: '2026-12-01T01:00:05.000Z',
      finishedAt: '2026-12-02T09:00:00.000Z',
    },
    {
      ticketId: 'b',
      agent: 'coder',
      state: 'timed_out',
      costUsd: 0.25,
      createdAt: '2026-12-02T03:00:00.000Z',
      startedAt: null,
      finishedAt: '2026-12-02T04:00:00.000Z',
    },
  ],
};

describe('insights sums', () => {
  it("gives a ticket's milestones", () => {
    expect(milestones(facts, facts.tickets[0]!)).toEqual({
      created: '2026-12-01T00:00:00.000Z',
      pickedUp: '2026-12-01T01:00:05.000Z',
      inReview: '2026-12-02T10:00:00.000Z',
      done: '2026-12-03T06:00:00.000Z',
    });
    expect(milestones(facts, facts.tickets[1]!).done).toBeNull();
  });

  it('counts per day: done, cycle time, runs by outcome, cost', () => {
    expect(perDay(facts)).toEqual([
      { day: '2026-12-01', done: 0, costUsd: 0, succeeded: 0, failed: 0, cycleHours: null },
      { day: '2026-12-02', done: 0, costUsd: 1.75, succeeded: 1, failed: 1, cycleHours: null },
      { day: '2026-12-03', done: 1, costUsd: 0, succeeded: 0, failed: 0, cycleHours: 54 },
    ]);
  });

  it('sums cost and runs per agent, the most expensive first', () => {
    const run = facts.runs[0]!;
    const more = [...facts.runs, { ...run, agent: 'reviewer', costUsd: 2 }, { ...run, agent: null, costUsd: 0 }];
    expect(perAgent({ ...facts, runs: more })).toEqual([
      { agent: 'reviewer', costUsd: 2, runs: 1 },
      { agent: 'coder', costUsd: 1.75, runs: 2 },
      { agent: 'a deleted agent', costUsd: 0, runs: 1 },
    ]);
  });

  it('averages the time spent in each status, a stay still going counted up to now', () => {
    expect(timeInStatus(facts)).toEqual([
      { status: 'Todo', hours: 35, tickets: 1 },
      { status: 'In Review', hours: 20, tickets: 1 },
      { status: 'Done', hours: 3.5, tickets: 2 },
    ]);
  });
});
