import { expect, it } from 'vitest';
import { answerPrompt } from './questions.js';

it('gives the agent the answer and the next step, without telling it to commit (the platform commits)', () => {
  const prompt = answerPrompt({ identifier: 'DEMO-5', question: 'Which greeting?', answer: 'hi', answeredBy: 'ada' });
  expect(prompt).toContain('ada answered your question on DEMO-5.');
  expect(prompt).toContain('Their answer: hi');
  expect(prompt).toMatch(/move the ticket to its finish status with the openase command/);
  expect(prompt).not.toMatch(/commit(ted)?,|and committed/);
});
