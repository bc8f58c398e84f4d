import { describe, expect, it } from 'vitest';
import { attemptsText, runLine, waitingFields } from './ticket-show.js';

const noReview = { round: 1, state: null, stage: null, message: null };

describe('openase ticket show: what the ticket waits for', () => {
  it("says an agent's unanswered question and how to answer it", () => {
    const t = { identifier: 'DEMO-5', question: 'Which greeting?', answer: null, review: noReview };
    expect(waitingFields(t)).toEqual([
      ['waiting for', 'an answer to its agent\'s question: Which greeting? (`openase ticket answer DEMO-5 "…"`)'],
    ]);
    expect(waitingFields({ ...t, answer: 'hi' })).toEqual([]);
  });

  it('says where its review stands', () => {
    const message = 'DEMO-2 waits for review round 1 in In Review: approve or request changes';
    const review = { round: 1, state: null, stage: 'awaiting_review', message } as const;
    expect(waitingFields({ identifier: 'DEMO-2', question: null, answer: null, review })).toEqual([
      ['review', message],
    ]);
  });
});

describe('openase ticket show: attempts', () => {
  const t = { attemptCount: 1, runs: [{}], parkedReason: null, nextRetryAt: null };

  it("counts what the workflow's limit counts, and says so beside more runs", () => {
    expect(attemptsText(t)).toBe("1 toward the workflow's limit");
    // A run that asked a question gave its attempt back: three runs, one attempt.
    expect(attemptsText({ ...t, runs: [{}, {}, {}] })).toBe(
      "1 toward the workflow's limit, 3 runs in all (not every run counts as an attempt)",
    );
  });

  it('says why it waits: parked, or a retry at a time', () => {
    expect(attemptsText({ ...t, attemptCount: 3, runs: [{}, {}, {}], parkedReason: 'max attempts (3) reached' })).toBe(
      "3 toward the workflow's limit (parked: max attempts (3) reached)",
    );
    expect(attemptsText({ ...t, nextRetryAt: '2026-12-07T10:00:00.000Z' })).toBe(
      "1 toward the workflow's limit (retry at 2026-12-07T10:00:00.000Z)",
    );
  });
});

it("names each run by its number, not the ticket's attempt count (that restarts)", () => {
  const run = {
    id: 'r1',
    attempt: 3,
    state: 'timed_out' as const,
    machine: 'builder',
    costUsd: 0.5,
    stateReason: 'took\ntoo long',
  };
  expect(runLine(run)).toBe('  r1  run 3  timed out   builder       $0.5000  took too long');
  expect(runLine({ ...run, machine: null, stateReason: null })).toBe(
    `  r1  run 3  timed out   -${' '.repeat(13)}$0.5000  `,
  );
});
