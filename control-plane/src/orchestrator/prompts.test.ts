import { expect, it } from 'vitest';
import { answerPrompt } from '../tickets/questions.js';
import { firstTurnPrompt } from './job-spec.js';
import { continuationGuidance, refusedMovePrompt } from './turns.js';

/** An agent cannot write git history in its sandbox: a prompt that asks it to commit sends it into a failing turn. */
const ASKS_TO_COMMIT = /commit(ted)?,|and committed|commit (it|your|the)/i;

it("no prompt of a ticket's run tells the agent to commit: the first turn's, a next turn's, an answer's, a refusal's", () => {
  const prompts = [
    firstTurnPrompt({ identifier: 'DEMO-5', title: 'Greet', description: 'Say hi' }, 2),
    continuationGuidance('DEMO-5', 1, 5, 'In Progress'),
    answerPrompt({ identifier: 'DEMO-5', question: 'Which greeting?', answer: 'hi', answeredBy: 'ada' }),
    refusedMovePrompt('DEMO-5', 'In Review', 'FAIL greet.test.js'),
  ];
  for (const prompt of prompts) {
    expect(prompt).toContain('the platform commits and pushes what you leave in the worktree');
    expect(prompt).not.toMatch(ASKS_TO_COMMIT);
  }
});
