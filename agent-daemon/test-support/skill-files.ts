/** A skill file of an agent run spec from text (the spec carries bytes as base64). */
export function skillFile(path: string, text: string, executable = false) {
  return { path, contentBase64: Buffer.from(text).toString('base64'), executable };
}

/** The harness and skill of each real CLI's first test: the prompt must reach the model, and the skill be offered. */
export const GREETING_SESSION = {
  systemPrompt: 'You follow the OpenASE harness.',
  skills: {
    'openase-greet': [
      skillFile(
        'SKILL.md',
        '---\nname: openase-greet\ndescription: Greets the ticket reporter politely\n---\nSay hello.',
      ),
      skillFile('scripts/hello.sh', 'echo hello', true),
    ],
  },
};
