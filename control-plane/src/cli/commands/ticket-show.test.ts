import { describe, expect, it } from 'vitest';
import { waitingFields } from './ticket-show.js';

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
