import { describe, expect, it } from 'vitest';
import { parseCustomLine } from './event-lines.js';

describe('custom adapter event lines', () => {
  it('passes valid events on and numbers usage with the turn', () => {
    expect(parseCustomLine('{"type":"message","role":"assistant","text":"hi"}', 1)).toEqual({
      type: 'message',
      role: 'assistant',
      text: 'hi',
    });
    expect(parseCustomLine('{"type":"usage","inputTokens":5,"outputTokens":1}', 3)).toEqual({
      type: 'usage',
      inputTokens: 5,
      outputTokens: 1,
      cachedTokens: 0,
      turn: 3,
    });
  });

  it('keeps invalid lines and the daemon-owned turn events as raw', () => {
    for (const line of [
      'hello',
      '{"type":"message"}',
      '{"type":"telepathy"}',
      '[1,2]',
      '{"type":"turn.started","turn":1}',
    ]) {
      expect(parseCustomLine(line, 1)).toEqual({ type: 'raw', source: 'custom', line });
    }
  });
});
