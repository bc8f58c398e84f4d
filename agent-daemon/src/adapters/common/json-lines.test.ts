import { describe, expect, it } from 'vitest';
import { parseJsonObject } from './json-lines.js';

describe('parseJsonObject', () => {
  it('accepts objects only', () => {
    expect(parseJsonObject('{"type":"x"}')).toEqual({ type: 'x' });
    expect(parseJsonObject('[1]')).toBeUndefined();
    expect(parseJsonObject('not json')).toBeUndefined();
    expect(parseJsonObject('null')).toBeUndefined();
  });
});
