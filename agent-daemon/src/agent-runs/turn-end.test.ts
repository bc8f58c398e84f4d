import { describe, expect, it } from 'vitest';
import { turnCommitMessage } from './turn-end.js';

describe('turn commit message', () => {
  it('is `<IDENTIFIER>: <title> (turn N)` on one line', () => {
    expect(turnCommitMessage({ identifier: 'DEMO-1', title: 'Add a greeting' }, 3)).toBe(
      'DEMO-1: Add a greeting (turn 3)',
    );
    expect(turnCommitMessage({ identifier: 'DEMO-1', title: ' two\nlines\t and  tabs ' }, 1)).toBe(
      'DEMO-1: two lines and tabs (turn 1)',
    );
    expect(turnCommitMessage({ identifier: 'DEMO-1', title: '   ' }, 1)).toBe('DEMO-1: untitled (turn 1)');
  });

  it('clips a long title with an ellipsis', () => {
    const message = turnCommitMessage({ identifier: 'DEMO-1', title: 'x'.repeat(900) }, 2);
    expect(message).toBe(`DEMO-1: ${'x'.repeat(199)}… (turn 2)`);
  });
});
