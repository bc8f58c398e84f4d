import { expect, it } from 'vitest';
import { answerPrompt } from './questions.js';

/** An agent cannot write git history in its sandbox: a prompt that asks it to commit sends it into a failing turn. */
const ASKS_TO_COMMIT = /commit(ted)?,|and committed|commit (it|your|the)/i;

it('gives the agent the answer and the next step, without telling it to commit (the platform commits)', () => {
  const prompt = answerPrompt({ identifier: 'DEMO-5', question: 'Which greeting?', answer: 'hi', answeredBy: 'ada' });
  expect(prompt).toContain('ada answered your question on DEMO-5.');
  expect(prompt).toContain('Their answer: hi');
  expect(prompt).toMatch(/move the ticket to its finish status with the openase command/);
  expect(prompt).not.toMatch(ASKS_TO_COMMIT);
});
