import { describe, expect, it } from 'vitest';
import { RUN_EVENT_TYPES, clipText, runEventSchema, sequencedRunEventSchema } from './run-events.js';

describe('run events', () => {
  it('accepts each known type and refuses unknown ones with the type named', () => {
    expect(runEventSchema.parse({ type: 'usage', inputTokens: 10, outputTokens: 2 })).toEqual({
      type: 'usage',
      inputTokens: 10,
      outputTokens: 2,
      cachedTokens: 0,
    });
    expect(
      runEventSchema.safeParse({ type: 'tool.result', id: 't1', ok: false, output: 'no', denied: true }).success,
    ).toBe(true);
    const bad = runEventSchema.safeParse({ type: 'telepathy' });
    expect(bad.success).toBe(false);
    expect(RUN_EVENT_TYPES).toContain('raw');
  });

  it('requires a positive seq on sequenced events', () => {
    expect(
      sequencedRunEventSchema.safeParse({ seq: 0, ts: 1, event: { type: 'progress', message: 'x' } }).success,
    ).toBe(false);
    expect(
      sequencedRunEventSchema.safeParse({ seq: 1, ts: 1, event: { type: 'progress', message: 'x' } }).success,
    ).toBe(true);
  });

  it('clips long text from the head or keeps the tail, saying how much was cut', () => {
    expect(clipText('abcdef', 4)).toEqual({ text: 'abcd', truncated: 2 });
    expect(clipText('abcdef', 4, 'tail')).toEqual({ text: 'cdef', truncated: 2 });
    expect(clipText('abc', 4)).toEqual({ text: 'abc' });
  });
});
